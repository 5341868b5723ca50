namespace Pluggable.Core.Scenarios;

/// <summary>
/// The two runs of one script and where their transcripts differ. Each side's outcome and what it
/// wrote on stderr (a backend failure, a script error) come with it, so that a failure is shown as
/// such rather than as lines missing from one side. <see cref="SkipReason"/> is set when one side's
/// architecture is not the script's: then neither transcript is compared.
/// </summary>
public sealed record ScenarioComparisonResult(string LeftTranscript, string RightTranscript, IReadOnlyList<TranscriptDifference> Differences)
{
    public ScenarioOutcome LeftOutcome { get; init; } = ScenarioOutcome.Passed;

    public ScenarioOutcome RightOutcome { get; init; } = ScenarioOutcome.Passed;

    public string LeftErrors { get; init; } = "";

    public string RightErrors { get; init; } = "";

    /// <summary>Why the script ran on neither side (an <c>arch</c> line that one side does not answer to); null when both ran.</summary>
    public string? SkipReason { get; init; }
}

/// <summary>
/// Runs one script on two backends (e.g. emulator and host) and compares the transcripts. The
/// expectations of the script are not checked: the two runs are compared with each other. When
/// one side skips the script (its <c>arch</c> line), the comparison skips it on both sides.
/// </summary>
public static class ScenarioComparison
{
    /// <param name="diagnostics">Also receives what either run wrote on stderr.</param>
    public static ScenarioComparisonResult Compare(Script script, Func<IScenarioBackend> left, Func<IScenarioBackend> right,
        TextWriter diagnostics, ScenarioRunOptions? leftOptions = null, ScenarioRunOptions? rightOptions = null)
    {
        var (l, lErrors, lOutcome) = RunOne(script, left, leftOptions);
        diagnostics.Write(lErrors);
        if (lOutcome.Status == ScenarioStatus.Skipped)
            return new ScenarioComparisonResult(l, "", []) { LeftOutcome = lOutcome, RightOutcome = lOutcome, SkipReason = lOutcome.Reason };

        var (r, rErrors, rOutcome) = RunOne(script, right, rightOptions);
        diagnostics.Write(rErrors);
        var result = new ScenarioComparisonResult(l, r, []) { LeftOutcome = lOutcome, RightOutcome = rOutcome, LeftErrors = lErrors, RightErrors = rErrors };
        if (rOutcome.Status == ScenarioStatus.Skipped)
            return result with { SkipReason = rOutcome.Reason };
        return result with { Differences = TranscriptDiff.Compare(script, l, r) };
    }

    private static (string Transcript, string Errors, ScenarioOutcome Outcome) RunOne(Script script, Func<IScenarioBackend> backend, ScenarioRunOptions? options)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var outcome = ScenarioRunner.Execute(script, backend, stdout, stderr, (options ?? new ScenarioRunOptions()) with { CheckExpectations = false });
        return (stdout.ToString(), stderr.ToString(), outcome);
    }
}
