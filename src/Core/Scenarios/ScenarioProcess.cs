namespace Pluggable.Core.Scenarios;

/// <summary>
/// One process of a scenario: its backend number, its labels and memory files (a child starts
/// with copies of its parent's), and its children for the descendant rule of label lookup.
/// </summary>
internal sealed class ScenarioProcess
{
    public ScenarioProcess(int id, string? name, ScenarioProcess? parent)
    {
        Id = id;
        Name = name;
        Parent = parent;
        if (parent is null)
            return;
        Labels = new(parent.Labels, StringComparer.Ordinal);
        History = [.. parent.History];
        Files = new(parent.Files, StringComparer.Ordinal);
        parent.Children.Add(this);
    }

    public int Id { get; }

    public string? Name { get; }

    public ScenarioProcess? Parent { get; }

    public List<ScenarioProcess> Children { get; } = [];

    /// <summary>Set while the <c>fork</c> that made this process waits for its fork event to be read.</summary>
    public bool WaitingForForkEvent { get; set; }

    /// <summary>The label each name currently means in this process.</summary>
    public Dictionary<string, MappingLabel> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>Every label this process ever had, including rebound and moved ones, for formatting.</summary>
    public List<MappingLabel> History { get; } = [];

    public Dictionary<string, MemoryFile> Files { get; } = new(StringComparer.Ordinal);
}
