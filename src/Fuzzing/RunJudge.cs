using System.Text.RegularExpressions;
using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing;

/// <summary>Where a scenario came from, which decides what its run may answer.</summary>
public enum ScenarioOrigin
{
    /// <summary>Made by <see cref="ScenarioGenerator"/>: it must parse and name only what it made.</summary>
    Generated,

    /// <summary>A corpus file after <see cref="ScenarioMutator"/>: anything goes, as long as the answer is an exit status 0..3 with a message.</summary>
    Mutated,
}

/// <summary>
/// Decides whether one emulator run is healthy. A healthy run exits 0..3 within its time limit,
/// and an exit of 2 comes with a message; no exception escapes the emulator, no stack trace is
/// printed. A generated scenario must also parse, and may only fail on labels whose mmap failed.
/// </summary>
public static partial class RunJudge
{
    public static Verdict? Judge(string text, RunRecord run, ScenarioOrigin origin)
    {
        switch (run.End)
        {
            case RunEnd.NoAnswer:
                return Stuck(text, run, "no answer within the time limit");
            case RunEnd.Died:
                return Verdict.Of(FindingKind.InternalError, $"the emulator process died: {FirstLine(run.Stderr)}", "process died");
            case RunEnd.OutOfMemory:
                return StuckAs(FindingKind.RunawayMemory, text, run, FirstLine(run.Stderr));
        }

        if (BackendFailure().Match(run.Stderr) is { Success: true } failure)
        {
            string message = failure.Groups["message"].Value;
            var kind = KernelAssertion().IsMatch(message) ? FindingKind.InvariantBroken : FindingKind.InternalError;
            int? line = int.TryParse(failure.Groups["line"].Value, out int number) ? number : null;
            string at = line is { } l && ScriptLines.OnLine(text, l) is { } command ? $" (at line {l}: {Short(command)})" : "";
            return Verdict.Of(kind, $"{failure.Groups["what"].Value}{at}", $"{Verb(at)} {message}", line);
        }
        if (run.Stderr.Contains("error: cannot start the backend", StringComparison.Ordinal))
            return Verdict.Of(FindingKind.InternalError, FirstLine(run.Stderr), "cannot start the backend");
        if (run.ExitCode == ScenarioExitCode.Timeout || run.Stdout.Contains("\nend -> timeout", StringComparison.Ordinal))
            return Stuck(text, run, "end -> timeout");
        if (run.ExitCode is < 0 or > 3)
            return Verdict.Of(FindingKind.InternalError, $"exit status {run.ExitCode}: {FirstLine(run.Stderr)}", $"exit {run.ExitCode}");
        if (run.Stdout.Contains("\n   at ", StringComparison.Ordinal) || run.Stderr.Contains("\n   at ", StringComparison.Ordinal))
            return Verdict.Of(FindingKind.InternalError, $"a stack trace was printed: {FirstLine(run.Stderr)}", "stack trace");
        if (run.ExitCode == ScenarioExitCode.ScriptError && run.Stderr.Trim().Length == 0)
            return Verdict.Of(FindingKind.InternalError, "exit status 2 without a message", "exit 2 without a message");
        if (origin == ScenarioOrigin.Generated)
            return Invalid(run);
        return null;
    }

    /// <summary>A generated scenario may only fail on a label or file whose creation failed; any other script or parse error is the generator's.</summary>
    private static Verdict? Invalid(RunRecord run)
    {
        foreach (var line in run.Stderr.Split('\n'))
        {
            if (line.Trim().Length == 0 || UnknownName().IsMatch(line))
                continue;
            return Verdict.Of(FindingKind.InvalidScenario, line.Trim(), line.Trim());
        }
        return null;
    }

    private static Verdict Stuck(string text, RunRecord run, string what) => StuckAs(FindingKind.Hang, text, run, what);

    /// <summary>
    /// The command the run was in when it stopped: the one after the last command line it printed.
    /// With nothing printed at all it may as well have been parsing, which comes first.
    /// </summary>
    private static Verdict StuckAs(FindingKind kind, string text, RunRecord run, string what)
    {
        int printed = run.Stdout.Split('\n').Count(l => l.Length > 0 && !l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("end -> ", StringComparison.Ordinal));
        if (ScriptLines.At(text, printed) is not { } stuck)
            return Verdict.Of(kind, what, what);
        if (run.Stdout.Length == 0)
            return Verdict.Of(kind, $"{what} (nothing printed: parsing, or line {stuck.Line}: {Short(stuck.Command)})", $"nothing printed {what}");
        string at = $" (at line {stuck.Line}: {Short(stuck.Command)})";
        return Verdict.Of(kind, $"{what}{at}", $"{Verb(at)} {what}", stuck.Line);
    }

    /// <summary>A command as a summary quotes it: a mutated line may hold thousands of words.</summary>
    private static string Short(string command) => command.Length <= 100 ? command : $"{command[..100]}... ({command.Length} characters)";

    /// <summary>The command word of <c> (at line N: [in c] VERB ...)</c>, so that a signature names the operation.</summary>
    private static string Verb(string at)
    {
        var match = AtVerb().Match(at);
        return match.Success ? match.Groups["verb"].Value : "";
    }

    private static string FirstLine(string text)
    {
        string trimmed = text.Trim();
        int newline = trimmed.IndexOf('\n');
        return newline < 0 ? trimmed : trimmed[..newline].Trim();
    }

    [GeneratedRegex(@":(?<line>\d+)?:? ?error: (?<what>the [^\n]* backend failed(?: at teardown)?: (?<message>[^\n]*))")]
    private static partial Regex BackendFailure();

    [GeneratedRegex(@"\b(BUG|VM_BUG_ON\w*|WARN_ON\w*|VM_WARN\w*|DEBUG_VM)\b|(?i:invariant|inconsisten|consistency)")]
    private static partial Regex KernelAssertion();

    [GeneratedRegex(@"error: unknown (label|memory file) '")]
    private static partial Regex UnknownName();

    [GeneratedRegex(@"at line \d+: (?:in \S+ )?(?<verb>\S+)")]
    private static partial Regex AtVerb();
}
