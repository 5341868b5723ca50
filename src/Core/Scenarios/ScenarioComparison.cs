namespace Pluggable.Core.Scenarios;

/// <summary>The two runs of one script and where their transcripts differ.</summary>
public sealed record ScenarioComparisonResult(string LeftTranscript, string RightTranscript, IReadOnlyList<TranscriptDifference> Differences);

/// <summary>Runs one script on two backends (e.g. emulator and host) and compares the transcripts.</summary>
public static class ScenarioComparison
{
    /// <param name="diagnostics">Receives what either run wrote on stderr (expectation mismatches, backend failures).</param>
    public static ScenarioComparisonResult Compare(Script script, Func<IScenarioBackend> left, Func<IScenarioBackend> right,
        TextWriter diagnostics, ScenarioRunOptions? leftOptions = null, ScenarioRunOptions? rightOptions = null)
    {
        var leftOut = new StringWriter { NewLine = "\n" };
        var rightOut = new StringWriter { NewLine = "\n" };
        ScenarioRunner.Run(script, left, leftOut, diagnostics, leftOptions);
        ScenarioRunner.Run(script, right, rightOut, diagnostics, rightOptions);
        string l = leftOut.ToString();
        string r = rightOut.ToString();
        return new ScenarioComparisonResult(l, r, TranscriptDiff.Compare(script, l, r));
    }
}
