namespace Pluggable.Fuzzing;

/// <summary>How a run ended, seen from outside the runner.</summary>
public enum RunEnd
{
    /// <summary>The runner answered: <see cref="RunRecord.ExitCode"/> and the output are its own.</summary>
    Finished,

    /// <summary>No answer within the time limit and its grace: the run is stuck where the runner's own limit cannot reach.</summary>
    NoAnswer,

    /// <summary>The process running the emulator died.</summary>
    Died,

    /// <summary>The process running the emulator grew past its memory cap and was stopped.</summary>
    OutOfMemory,
}

/// <summary>One run of a scenario: its exit status, transcript and diagnostics, and how long it took.</summary>
public sealed record RunRecord(RunEnd End, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public static RunRecord Unfinished(RunEnd end, string detail, TimeSpan elapsed) => new(end, -1, "", detail, elapsed);
}
