using System.Diagnostics;
using Pluggable.HostKernel;

namespace Pluggable.Cli.Tests;

/// <summary>
/// <c>pluggable run --backend host</c> as its own process, interrupted in the middle of a run that
/// changed machine-wide settings: the settings come back, at once for a signal the process can
/// handle, and with the next taker of the machine lock after SIGKILL. They need the host backend
/// (Linux x86_64, root, userfaultfd), as CI has.
/// </summary>
public class HostInterruptionTests
{
    /// <summary>Changes two settings, then waits in reads of an empty blocking userfaultfd (200 ms each).</summary>
    private static readonly string Long = "thp never\nhugepages 2m 2\nuffd u\n" + string.Concat(Enumerable.Repeat("read u\n", 60));

    private const string Changed = "hugepages 2m 2 -> ok";

    [Theory]
    [InlineData(15, "SIGTERM")]
    [InlineData(2, "SIGINT")]
    public void A_signal_mid_run_ends_the_scenario_and_puts_the_settings_back(int signal, string name)
    {
        RequireHost();
        var before = MachineNow(out _);
        using var dir = new TempDir();
        using var run = Pluggable("run", dir.File("long.scenario", Long), "--backend", "host");
        WaitForLine(run, Changed);

        Kill(run.Id, signal);

        Assert.True(run.WaitForExit(TimeSpan.FromSeconds(10)), "the interrupted run did not exit");
        Assert.Contains($"the host run was ended by {name} (its processes killed, the machine settings restored)", run.StandardError.ReadToEnd());
        var after = MachineNow(out string restoredByNext);
        Assert.Equal("", restoredByNext);
        Assert.Equal([], after.ChangesSince(before));
    }

    [Fact]
    public void After_sigkill_mid_run_the_next_holder_of_the_machine_lock_puts_the_settings_back()
    {
        RequireHost();
        var before = MachineNow(out _);
        using var dir = new TempDir();
        using var run = Pluggable("run", dir.File("long.scenario", Long), "--backend", "host");
        WaitForLine(run, Changed);

        run.Kill();
        run.WaitForExit();

        var after = MachineNow(out string restored);
        Assert.Equal([], after.ChangesSince(before));
        // Another process of the project may take the lock first and restore in its turn; if we were first, we said so.
        if (restored != "")
            Assert.Contains($"pluggable: pid {run.Id} ended without restoring machine settings; put back /sys/kernel/mm/transparent_hugepage/enabled = ", restored);
    }

    private static Process Pluggable(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pluggable"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    private static void WaitForLine(Process process, string line)
    {
        var read = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } next)
            {
                if (next == line)
                    return true;
            }
            return false;
        });
        Assert.True(read.Wait(TimeSpan.FromSeconds(60)) && read.Result, $"the run never printed '{line}'");
    }

    /// <summary>The machine's state read under the machine lock; <paramref name="restored"/> is what taking the lock put back.</summary>
    private static MachineState MachineNow(out string restored)
    {
        var notices = new StringWriter();
        var machine = HostMachine.Take(new HostBackendOptions { Notices = notices });
        try
        {
            return MachineState.Read("/sys/kernel/mm");
        }
        finally
        {
            machine.RestoreAndRelease();
            restored = notices.ToString();
        }
    }

    private static void Kill(int pid, int signal) => Assert.Equal(0, kill(pid, signal));

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private static void RequireHost()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and this test needs it (CI has it): {reason}");
    }
}
