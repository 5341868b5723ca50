namespace Pluggable.Core.Scenarios;

/// <summary>
/// What the transcript needs to know about the command that produced a result, kept with a parked
/// thread so that its continuation line is formatted the same way later.
/// </summary>
internal sealed class CommandContext(Statement statement, ScenarioProcess process)
{
    public Statement Statement { get; } = statement;

    /// <summary>The process the command ran in (<c>in NAME</c> changes it).</summary>
    public ScenarioProcess Process { get; set; } = process;

    /// <summary>The label of the command's first address: <c>check</c> prints its mismatch relative to it.</summary>
    public MappingLabel? OwnLabel { get; set; }

    /// <summary>The userfaultfd a <c>read</c> took its message from: a fork event names <c>NAME@CHILD</c>.</summary>
    public string? ReadFrom { get; set; }

    /// <summary>The child a <c>fork</c> made; usable by <c>in</c> once the fork has returned.</summary>
    public ScenarioProcess? ForkChild { get; set; }
}
