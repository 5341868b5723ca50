using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel.Tests;

/// <summary>
/// Whatever state a scenario leaves on the host, its teardown is quick and complete: no process
/// of the scenario is left, and the machine-wide settings are as they were.
/// </summary>
[Collection(HostKernelCollection.Name)]
public class HostTeardownTests
{
    /// <summary>Before: a fork blocked on its event took the whole 2 s drain, and one in the .NET process could outlive the run.</summary>
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(1.5);

    private const string ChangeSettings = "thp never\nhugepages 2m 3\n";

    public static TheoryData<string, string> States() => new()
    {
        { "a fork blocked on its event", "uffd u nonblock features=event_fork\nmmap a anon 8p\nregister u a 8p missing\nfork c\n" },
        {
            "a fork in a child blocked on its event, the parent's blocked too",
            "uffd u nonblock features=event_fork\nmmap a anon 8p\nregister u a 8p missing\nfork c\nread u\nin c fork d\nfork e\n"
        },
        {
            "threads parked on userfaults in several processes, hugetlb and shmem included",
            "memfd m hugetlb 2hp\nmmap h file=m\nmemfd s shmem 4p\nmmap t file=s\nuffd u nonblock\nmmap a anon 8p\n"
            + "register u a 8p missing\nregister u h 2hp missing\nregister u t 4p missing\nfork c\n"
            + "touch a read\ntouch h write\ntouch t+1p read\nin c touch a+1p read\n"
        },
        {
            "fault and event messages queued and never read",
            "uffd u nonblock features=event_remove,event_unmap,event_remap\nmmap a anon 8p\nregister u a 8p missing\n"
            + "touch a read\ntouch a+1p write\nmadvise a+4p 1p dontneed\nmunmap a+6p 1p\n"
        },
        {
            "children of children, each with parked threads",
            "uffd u nonblock\nmmap a anon 8p\nfork c\nin c fork d\nin d fork e\nin e uffd v nonblock\n"
            + "in e register v a 8p missing\nin e touch a read\nregister u a 8p missing\ntouch a+2p read\n"
        },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Teardown_ends_every_process_and_restores_the_settings(string state, string text)
    {
        HostRun.RequireHost();
        var before = HostRun.MachineNow();

        var run = HostRun.Of(ChangeSettings + text);

        Assert.True(run.ExitCode == 0, $"{state}: exit {run.ExitCode}\n{run.Err}\n{run.Out}");
        Assert.Contains("end -> blocked", run.Out);
        Assert.True(run.Elapsed < Quick, $"{state}: the run with its teardown took {run.Elapsed.TotalSeconds:0.00} s\n{run.Out}");
        Assert.Empty(ScenarioGroup.Members(run.ProcessGroup));
        Assert.Equal([], HostRun.MachineNow().ChangesSince(before));
    }

    [Fact]
    public void A_run_given_up_at_its_time_limit_is_ended_by_the_next_one_which_starts_from_restored_settings()
    {
        HostRun.RequireHost();
        var before = HostRun.MachineNow();
        // The first run's process stops in the middle of the scenario, so its next call never returns.
        var first = HostRun.Of(ChangeSettings + "mmap a anon 1p\ntouch a read\ntouch a write\n",
            (line, backend) =>
            {
                if (line.StartsWith("touch a read", StringComparison.Ordinal))
                    NativeMethods.Kill(-backend.ProcessGroup, NativeMethods.SigStop);
            },
            new ScenarioRunOptions { TimeLimit = TimeSpan.FromSeconds(1) });
        Assert.Equal(ScenarioExitCode.Timeout, first.ExitCode);
        Assert.EndsWith("end -> timeout\n", first.Out);

        string? thpAtStart = null;
        var second = HostRun.Of("mmap a anon 1p\ntouch a read\n", (line, _) =>
        {
            thpAtStart ??= SysfsKnobs.Selected(File.ReadAllText(Path.Combine(HostRun.Sysfs, "transparent_hugepage", "enabled")));
        });

        Assert.True(second.ExitCode == 0, second.Err + second.Out);
        Assert.Equal("mmap a anon 1p -> ok\ntouch a read -> ok 0x00\nend -> ok\n", second.Out);
        Assert.Equal(before.Thp, thpAtStart);
        Assert.Empty(ScenarioGroup.Members(first.ProcessGroup));
        Assert.Equal([], HostRun.MachineNow().ChangesSince(before));
    }

    /// <summary>
    /// Before: the calls of a run given up lived in native memory that the run freed while a reply
    /// reader could still write their end into it, and the native heap of the .NET process broke
    /// minutes later (found by the host fuzz, whose runs are given up at their time limit).
    /// </summary>
    [Fact]
    public void Runs_given_up_in_the_middle_of_their_calls_leave_the_process_sound()
    {
        HostRun.RequireHost();
        var before = HostRun.MachineNow();
        var script = new System.Text.StringBuilder("uffd u nonblock\nmmap a anon 64p\nregister u a 64p missing\n");
        for (int i = 0; i < 32; i++)
            script.Append($"fork c{i}\ntouch a+{i}p read\nmprotect a+{i + 32}p 1p r\nin c{i} touch a+{i}p read\nread u\n");
        var random = new Random(6);
        var groups = new List<int>();
        for (int round = 0; round < 12; round++)
        {
            int group = 0;
            var run = new Thread(() => HostRun.Of(script.ToString(), (_, backend) => group = backend.ProcessGroup));
            run.Start();
            Thread.Sleep(random.Next(0, 150));
            // A newer backend in this process ends the older run wherever it is, as the fuzz's next run does.
            HostRun.Of("mmap a anon 1p\ntouch a write 0x5a\ncheck a 1p 0x5a\n");
            Assert.True(run.Join(TimeSpan.FromSeconds(30)), $"round {round}: the run given up did not end");
            groups.Add(group);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.All(groups, g => Assert.Empty(ScenarioGroup.Members(g)));
        Assert.Equal([], HostRun.MachineNow().ChangesSince(before));
    }
}
