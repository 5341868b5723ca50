using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel.Tests;

/// <summary>
/// A host run holds the machine lock, so a machine-wide setting that changes under it was changed
/// by something that does not honour the lock: the run fails and names what changed.
/// </summary>
[Collection(HostKernelCollection.Name)]
public class OutsideChangeTests
{
    private static readonly string Pool = Path.Combine(HostRun.Sysfs, "hugepages", "hugepages-2048kB", "nr_hugepages");
    private static readonly string Thp = Path.Combine(HostRun.Sysfs, "transparent_hugepage", "enabled");

    [Fact]
    public void A_pool_resized_from_outside_fails_the_run_at_the_next_command_and_is_named()
    {
        HostRun.RequireHost();
        var before = HostRun.MachineNow();
        var run = HostRun.Of("hugepages 2m 3\nmemfd m hugetlb 2hp\nmmap h file=m\n", (line, _) =>
        {
            if (line.StartsWith("hugepages", StringComparison.Ordinal))
                File.WriteAllText(Pool, "1");
        });

        Assert.Equal(ScenarioExitCode.ScriptError, run.ExitCode);
        Assert.Contains("t.scenario:1: error: the host backend failed: the machine changed under the run from outside the project", run.Err);
        Assert.Contains("hugepages-2048kB/nr_hugepages 3 -> 1", run.Err);
        Assert.Equal([], HostRun.MachineNow().ChangesSince(before));
    }

    [Fact]
    public void A_thp_policy_changed_from_outside_is_named_during_the_run_and_again_at_its_end()
    {
        HostRun.RequireHost();
        var before = HostRun.MachineNow();
        string other = before.Thp == "never" ? "always" : "never";
        var backend = new HostBackend(new HostBackendOptions { Notices = TextWriter.Null });
        try
        {
            File.WriteAllText(Thp, other);
            var during = Assert.Throws<OutsideChangeException>(() => backend.TakeCompletions());
            Assert.Equal([$"transparent_hugepage/enabled {before.Thp} -> {other}"], during.Changes);

            // The run did not change THP, so it does not put it back: its end sees the change too.
            var atEnd = Assert.Throws<OutsideChangeException>(backend.Dispose);
            Assert.Contains($"transparent_hugepage/enabled {before.Thp} -> {other}", atEnd.Changes);
        }
        finally
        {
            File.WriteAllText(Thp, before.Thp);
        }
        Assert.Equal([], HostRun.MachineNow().ChangesSince(before));
    }

    [Fact]
    public void The_runs_own_changes_are_not_outside_changes()
    {
        HostRun.RequireHost();
        using var backend = new HostBackend(new HostBackendOptions { Notices = TextWriter.Null });
        Assert.Equal(ResultKind.Ok, backend.Hugepages(2UL << 20, 2).Kind);
        Assert.Equal(ResultKind.Ok, backend.Thp(ThpPolicy.Always).Kind);
        Assert.Empty(backend.TakeCompletions());
    }
}
