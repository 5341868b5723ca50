using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing.Tests;

/// <summary>The session's bookkeeping, on a made-up emulator that breaks on one command.</summary>
public class SessionTests
{
    /// <summary>Answers every scenario cleanly, except that <c>madvise ... pageout</c> throws, and a host that answers mprotect differently.</summary>
    private sealed class Scripted(bool host) : IScenarioExecutor
    {
        public string Name => host ? "host" : "emulator";

        public RunRecord Run(string text, TimeSpan limit)
        {
            var stdout = new System.Text.StringBuilder();
            int line = 0;
            foreach (var raw in text.Split('\n'))
            {
                line++;
                if (raw.Trim().Length == 0 || raw.StartsWith('#'))
                    continue;
                string command = raw.StartsWith("in ", StringComparison.Ordinal) ? string.Join(' ', raw.Split(' ')[2..]) : raw;
                if (!host && command.StartsWith("madvise", StringComparison.Ordinal) && command.EndsWith("pageout", StringComparison.Ordinal))
                    return new RunRecord(RunEnd.Finished, 2, stdout.ToString(), $"scenario:{line}: error: the emulator backend failed: BUG: pageout of pfn 0x{line:x} (InvalidOperationException)\n", TimeSpan.Zero);
                string result = host && command.StartsWith("mprotect", StringComparison.Ordinal) ? "ENOMEM" : "ok";
                stdout.Append(raw).Append(" -> ").Append(result).Append('\n');
            }
            return new RunRecord(RunEnd.Finished, 0, stdout.Append("end -> ok\n").ToString(), "", TimeSpan.Zero);
        }
    }

    private static FuzzTarget Target(GeneratorProfile profile) => new("x86_64:levels=4", profile, new Scripted(host: false));

    [Fact]
    public void Each_kind_of_failure_is_minimized_once_and_counted_after()
    {
        var settings = new FuzzSettings
        {
            Targets = [Target(GeneratorProfile.ForEmulator(Machines.Architecture("x86_64"), Machines.Options))],
            Seed = 7,
            Count = 150,
        };
        var summary = new FuzzSession(settings, TextWriter.Null).Run(CancellationToken.None);

        var family = Assert.Single(summary.Families);
        Assert.Equal(FindingKind.InvariantBroken, family.Verdict.Kind);
        Assert.True(family.Count > 1, $"{family.Count}");
        Assert.Equal("madvise pageout\n", family.First!.Scenario);
    }

    [Fact]
    public void A_divergence_from_the_host_is_minimized_with_both_sides_rerun_keeping_the_machine_settings()
    {
        var settings = new FuzzSettings
        {
            Targets = [Target(GeneratorProfile.ForHostComparison(Machines.Architecture("x86_64")))],
            Host = new Scripted(host: true),
            Seed = 11,
            Count = 40,
        };
        var summary = new FuzzSession(settings, TextWriter.Null).Run(CancellationToken.None);

        var divergence = Assert.Single(summary.Families, f => f.Verdict.Kind == FindingKind.Divergence);
        Assert.Equal("divergence: mprotect | ok | ENOMEM", divergence.Verdict.Signature);
        // The comparison needs a script that parses: the shrinker stops at the smallest mprotect that
        // does, after the THP policy and pool size the kernel's answer may depend on.
        Assert.Matches(@"^thp \S+\nhugepages \S+ \d+\nmprotect \S+ \S+ \S+\n$", divergence.First!.Scenario);
        string mprotect = divergence.First.Scenario.Split('\n')[2];
        Assert.Equal([new TranscriptDifference(3, mprotect + " -> ok", mprotect + " -> ENOMEM")], divergence.First.Differences);
    }
}
