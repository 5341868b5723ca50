using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing;

/// <summary>The emulator's and the kernel's runs of one script, where they differ, and what that means.</summary>
public sealed record Comparison(RunRecord Emulator, RunRecord? Host, IReadOnlyList<TranscriptDifference> Differences, Verdict? Verdict);

/// <summary>
/// Runs one generated script on the emulator and on the live kernel and compares the transcripts
/// as <c>pluggable diff</c> does (TranscriptDiff). A broken emulator run is reported as what it is,
/// not as a divergence; so is a host run that did not end properly.
/// </summary>
public static class HostComparison
{
    public static Comparison Compare(string text, IScenarioExecutor emulator, IScenarioExecutor host, TimeSpan emulatorLimit, TimeSpan hostLimit)
    {
        var left = emulator.Run(text, emulatorLimit);
        if (RunJudge.Judge(text, left, ScenarioOrigin.Generated) is { } broken)
            return new Comparison(left, null, [], broken);
        var right = host.Run(text, hostLimit);
        if (RunJudge.Judge(text, right, ScenarioOrigin.Generated) is { } hostBroken)
            return new Comparison(left, right, [], hostBroken with { Summary = "on the host: " + hostBroken.Summary, Signature = "host " + hostBroken.Signature });
        if (ScenarioParser.Parse("scenario", text).Script is not { } script)
            return new Comparison(left, right, [], null);
        var differences = TranscriptDiff.Compare(script, left.Stdout, right.Stdout);
        if (differences.Count == 0)
            return new Comparison(left, right, differences, null);
        return new Comparison(left, right, differences, new Verdict(FindingKind.Divergence, Describe(differences[0]), Signature(script, differences[0]), differences[0].Line > 0 ? differences[0].Line : null));
    }

    /// <summary>One difference in words: <c>line 7: emulator 'X', host 'Y'</c>.</summary>
    public static string Describe(TranscriptDifference d) =>
        $"line {(d.Line > 0 ? d.Line.ToString(System.Globalization.CultureInfo.InvariantCulture) : "end")}: emulator '{d.Left ?? "(no line)"}', host '{d.Right ?? "(no line)"}'";

    /// <summary>The difference of <paramref name="comparison"/> that carries <paramref name="signature"/>, if any.</summary>
    public static TranscriptDifference? Find(Comparison comparison, string text, string signature) =>
        ScenarioParser.Parse("scenario", text).Script is { } script
            ? comparison.Differences.FirstOrDefault(d => Signature(script, d) == signature)
            : null;

    /// <summary>True when <paramref name="comparison"/> still shows the divergence named by <paramref name="signature"/>, on any line.</summary>
    public static bool Shows(Comparison comparison, string text, string signature)
    {
        return comparison.Verdict?.Kind == FindingKind.Divergence && Find(comparison, text, signature) is not null;
    }

    /// <summary>The command word and both answers with their numbers taken out: <c>divergence: mprotect | ok | ENOMEM</c>.</summary>
    public static string Signature(Script script, TranscriptDifference difference)
    {
        string verb = script.Statements.FirstOrDefault(s => s.Line == difference.Line) is { } statement
            ? Verb(statement.Echo)
            : "end";
        return $"divergence: {verb} | {Verdict.Normalize(Result(difference.Left))} | {Verdict.Normalize(Result(difference.Right))}";
    }

    private static string Verb(string echo)
    {
        var words = echo.Split(' ');
        return words.Length > 2 && words[0] == "in" ? words[2] : words[0];
    }

    /// <summary>What a transcript line answered: the text after <c> -&gt; </c>, marked as a thread's when it is a continuation line.</summary>
    private static string Result(string? line)
    {
        if (line is null)
            return "(no line)";
        int arrow = line.IndexOf(" -> ", StringComparison.Ordinal);
        string result = arrow < 0 ? line.Trim() : line[(arrow + 4)..];
        return line.StartsWith("  ", StringComparison.Ordinal) ? "thread " + result : result;
    }
}
