namespace Pluggable.Core.Scenarios;

/// <summary>How a runner runs a scenario.</summary>
public sealed record ScenarioRunOptions
{
    /// <summary>
    /// Bound on one scenario's run (the host runner uses 20 s). When it is exceeded the transcript
    /// ends with <c>end -&gt; timeout</c> and the exit status is 3. Null: no bound.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>
    /// False to ignore the <c>=&gt;</c> expectations: nothing is compared or reported, and the end
    /// line never says <c>failed</c>. A comparison of two backends runs so, since it compares them
    /// with each other, not with the file.
    /// </summary>
    public bool CheckExpectations { get; init; } = true;
}
