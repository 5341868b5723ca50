using System.Text;
using Xunit.Abstractions;

namespace Pluggable.Fuzzing.Tests;

/// <summary>
/// Runs a fuzz session as a test: the log goes to the test output, and every family of findings
/// fails the test with its minimized scenario, the seed, and the command that repeats the search.
/// </summary>
internal static class SearchAssert
{
    /// <summary>A failure is minimized within this: the suite's time matters more than the last few lines.</summary>
    public static readonly ShrinkBudget Budget = new(100, TimeSpan.FromSeconds(10));

    /// <summary>Families past this many are reported as found, not minimized.</summary>
    public const int Minimized = 2;

    /// <summary>
    /// A generated or mutated scenario runs in well under a second, except one that populates more
    /// page tables than the machine holds (its OOM kill and teardown: half a second alone). While
    /// the other test projects load both cores it still passed 10 s now and then (4 times in 8
    /// minutes of a search beside a full test run), with the worker charged more than half of it
    /// in CPU time (on a VM, time the vCPU waits for the host may be charged too), so the suite
    /// allows twice what `pluggable fuzz` does: 20 s is a hang.
    /// </summary>
    public static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(20);

    public static void Clean(FuzzSettings settings, ITestOutputHelper output, string testName)
    {
        var log = new OutputWriter(output);
        log.WriteLine($"seed {FuzzSeed.Text}; {FuzzSeed.Repeat(testName)}");
        var summary = new FuzzSession(settings, log).Run(CancellationToken.None);
        FuzzSession.WriteSummary(summary, settings, log);
        if (summary.Families.Count == 0)
            return;

        Assert.Fail($"{FuzzSeed.Repeat(testName)}\n{FuzzSession.Report(summary)}");
    }

    /// <summary>A TextWriter onto the test's output, a line at a time.</summary>
    private sealed class OutputWriter(ITestOutputHelper output) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                output.WriteLine(_line.ToString());
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }
}
