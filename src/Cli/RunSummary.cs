using Pluggable.Core.Scenarios;

namespace Pluggable.Cli;

/// <summary>
/// The closing summary of a run of several files: how many passed, failed, had an error, timed out
/// or were skipped, then one line per file that did not pass, with its reason. It goes to stderr, so
/// that stdout stays the transcripts alone:
/// <code>
/// pluggable: 4 files: 1 passed, 1 failed, 1 error, 1 skipped
///   failed   b.scenario: 2 of 14 expectations failed
///   error    c.scenario: line 3: unknown label 'x'
///   skipped  d.scenario: arch arm64, and this is x86_64
/// </code>
/// </summary>
internal sealed class RunSummary
{
    private readonly List<(string File, ScenarioOutcome Outcome)> _runs = [];

    public void Add(string file, ScenarioOutcome outcome) => _runs.Add((file, outcome));

    /// <summary>The worst exit status of the files.</summary>
    public int ExitCode => _runs.Count == 0 ? 0 : _runs.Max(r => r.Outcome.ExitCode);

    public void Write(TextWriter writer)
    {
        var counts = new List<string>();
        foreach (var status in Enum.GetValues<ScenarioStatus>())
        {
            int n = _runs.Count(r => r.Outcome.Status == status);
            if (n > 0)
                counts.Add($"{n} {Word(status, n)}");
        }
        writer.WriteLine($"pluggable: {_runs.Count} files: {string.Join(", ", counts)}");
        foreach (var (file, outcome) in _runs)
        {
            if (outcome.Status != ScenarioStatus.Passed)
                writer.WriteLine($"  {outcome.Status.ToString().ToLowerInvariant(),-8} {file}: {outcome.Reason}");
        }
    }

    private static string Word(ScenarioStatus status, int count) => status switch
    {
        ScenarioStatus.Passed => "passed",
        ScenarioStatus.Skipped => "skipped",
        ScenarioStatus.Failed => "failed",
        ScenarioStatus.Error => count == 1 ? "error" : "errors",
        _ => "timed out",
    };
}
