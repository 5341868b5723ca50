namespace Pluggable.Fuzzing;

/// <summary>Runs scenario texts somewhere (in this process, or in a worker process) and reports how each ended.</summary>
public interface IScenarioExecutor
{
    /// <summary>A short description for messages: <c>emulator x86_64:levels=4</c>, <c>host</c>.</summary>
    string Name { get; }

    /// <param name="limit">The scenario's time limit: the runner prints <c>end -&gt; timeout</c> past it.</param>
    RunRecord Run(string text, TimeSpan limit);
}
