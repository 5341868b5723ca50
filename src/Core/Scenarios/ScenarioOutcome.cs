namespace Pluggable.Core.Scenarios;

/// <summary>How a scenario run ended, as a multi-file summary reports it.</summary>
public enum ScenarioStatus
{
    /// <summary>Every expectation held (exit 0).</summary>
    Passed,

    /// <summary>An <c>arch</c> line named another architecture: nothing ran (exit 0).</summary>
    Skipped,

    /// <summary>An expectation did not hold (exit 1).</summary>
    Failed,

    /// <summary>The file could not be read or parsed, a script error, or a backend failure (exit 2).</summary>
    Error,

    /// <summary>The run passed its time limit (exit 3).</summary>
    Timeout,
}

/// <summary>
/// The end of one scenario run: its status and, unless it passed, why in a few words (the skipped
/// architecture, how many expectations failed, the first error). The details are on stderr.
/// </summary>
public sealed record ScenarioOutcome(ScenarioStatus Status, string? Reason = null)
{
    public static readonly ScenarioOutcome Passed = new(ScenarioStatus.Passed);

    /// <summary>The exit status of the run (Output, "Exit status").</summary>
    public int ExitCode => Status switch
    {
        ScenarioStatus.Failed => ScenarioExitCode.ExpectationFailed,
        ScenarioStatus.Error => ScenarioExitCode.ScriptError,
        ScenarioStatus.Timeout => ScenarioExitCode.Timeout,
        _ => ScenarioExitCode.Ok,
    };

    public static ScenarioOutcome Error(string reason) => new(ScenarioStatus.Error, reason);
}
