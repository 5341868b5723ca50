namespace Pluggable.Fuzzing;

/// <summary>
/// Runs a scenario that does nothing (<see cref="SettleText"/>) before each run so that every run
/// starts on a quiet machine. The host
/// backend may still be tearing the previous run down (a fork blocked on its event takes ~20 s
/// to end) after that run has answered; the next backend waits for it, and without this the
/// wait would count against the next run's limit and end it in a timeout at its first line.
/// When even that scenario cannot run, the backend is stuck for good in this process:
/// <see cref="Stuck"/> is set and nothing more runs.
/// </summary>
public sealed class SettlingExecutor(IScenarioExecutor inner, TimeSpan settleLimit) : IScenarioExecutor
{
    /// <summary>
    /// One command that touches nothing: a file without any command is a parse error and would
    /// never reach the backend, whose start is what waits for the previous teardown.
    /// </summary>
    public const string SettleText = "arch any\n";

    public IScenarioExecutor Inner => inner;

    public string Name => inner.Name;

    /// <summary>Why the backend could not settle, once it could not; null while it can.</summary>
    public string? Stuck { get; private set; }

    public RunRecord Run(string text, TimeSpan limit)
    {
        if (Stuck is null)
        {
            var settle = inner.Run(SettleText, settleLimit);
            if (settle.End != RunEnd.Finished || settle.ExitCode != 0)
                Stuck = $"a scenario that does nothing did not run within {settleLimit.TotalSeconds:0} s: {(settle.Stderr.Trim().Length > 0 ? settle.Stderr.Trim() : settle.Stdout.Trim())}";
        }
        return Stuck is null ? inner.Run(text, limit) : RunRecord.Unfinished(RunEnd.NoAnswer, $"{Name} is stuck: {Stuck}", TimeSpan.Zero);
    }
}
