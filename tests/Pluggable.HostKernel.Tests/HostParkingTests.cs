namespace Pluggable.HostKernel.Tests;

/// <summary>
/// A call is reported blocked only when the kernel shows its thread parked in userfaultfd; a
/// thread that cannot run for a while (here: its process is stopped) is waited for.
/// </summary>
[Collection(HostKernelCollection.Name)]
public class HostParkingTests
{
    [Fact]
    public void A_woken_thread_that_cannot_run_for_seconds_is_reported_finished_not_blocked()
    {
        HostRun.RequireHost();
        // The copy comes from the child (which shares u); meanwhile process 0 is stopped for 3 s,
        // so t1 is woken but cannot finish until it is continued.
        const string text = """
            uffd u nonblock
            mmap a anon 1p
            mmap src anon 1p
            fill src 1p 0x5a
            register u a 1p missing
            fork c
            touch a read
            in c copy u a src 1p
            in c check src 1p 0x5a
            """;
        var run = HostRun.Of(text, (line, backend) =>
        {
            if (!line.StartsWith("touch a read", StringComparison.Ordinal))
                return;
            int pid = backend.PidOf(0);
            NativeMethods.Kill(pid, NativeMethods.SigStop);
            _ = Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => NativeMethods.Kill(pid, NativeMethods.SigCont));
        });

        Assert.True(run.ExitCode == 0, run.Err + run.Out);
        Assert.Contains("touch a read -> blocked t1\nin c copy u a src 1p -> 4096\n  t1 -> ok 0x5a\nin c check src 1p 0x5a -> ok\nend -> ok\n", run.Out);
        Assert.True(run.Elapsed > TimeSpan.FromSeconds(3), $"the copy's line came before t1 could run ({run.Elapsed.TotalSeconds:0.00} s)");
    }

    [Theory]
    [InlineData("handle_userfault", null, "Userfault")]
    [InlineData("userfaultfd_event_wait_completion\n", null, "Userfault")]
    [InlineData("dup_userfaultfd_complete", null, "Userfault")]
    [InlineData("0", "123 (pluggable-host-w) R 1 1 1 0", "Running")]
    [InlineData("0", "123 (a) b) R 1 1 1 0", "Running")]
    [InlineData("futex_do_wait", "123 (pluggable-host-w) S 1 1 1 0", "Elsewhere")]
    [InlineData("do_signal_stop", "123 (pluggable-host-w) T 1 1 1 0", "Elsewhere")]
    [InlineData("0", "123 (pluggable-host-w) Z 1 1 1 0", "Gone")]
    [InlineData(null, null, "Gone")]
    public void Threads_are_classified_from_wchan_and_their_state(string? wchan, string? stat, string activity) =>
        Assert.Equal(activity, ThreadState.Classify(stat, wchan).Activity.ToString());
}
