namespace Pluggable.Fuzzing;

/// <summary>
/// Runs an empty scenario before each run so that every run starts on a quiet machine. The host
/// backend may still be tearing the previous run down (a fork blocked on its event takes ~20 s
/// to end) after that run has answered; the next backend waits for it, and without this the
/// wait would count against the next run's limit and end it in a timeout at its first line.
/// </summary>
public sealed class SettlingExecutor(IScenarioExecutor inner, TimeSpan settleLimit) : IScenarioExecutor
{
    public IScenarioExecutor Inner => inner;

    public string Name => inner.Name;

    public RunRecord Run(string text, TimeSpan limit)
    {
        inner.Run("", settleLimit);
        return inner.Run(text, limit);
    }
}
