using System.Collections.Immutable;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// One process of a scenario: its backend number, its labels and memory files (a child starts
/// with its parent's, shared until either side changes: a fork costs nothing however many labels
/// there are), and its children for the descendant rule of label lookup.
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
        Labels = parent.Labels;
        History = parent.History;
        Files = parent.Files;
        parent.Children.Add(this);
    }

    public int Id { get; }

    public string? Name { get; }

    public ScenarioProcess? Parent { get; }

    public List<ScenarioProcess> Children { get; } = [];

    /// <summary>Set while the <c>fork</c> that made this process waits for its fork event to be read.</summary>
    public bool WaitingForForkEvent { get; set; }

    /// <summary>The label each name currently means in this process.</summary>
    public ImmutableDictionary<string, MappingLabel> Labels { get; private set; } = ImmutableDictionary.Create<string, MappingLabel>(StringComparer.Ordinal);

    /// <summary>Every label this process ever had, including rebound and moved ones, for formatting.</summary>
    public ImmutableList<MappingLabel> History { get; private set; } = [];

    public ImmutableDictionary<string, MemoryFile> Files { get; private set; } = ImmutableDictionary.Create<string, MemoryFile>(StringComparer.Ordinal);

    /// <summary><paramref name="name"/> now means <paramref name="label"/> here.</summary>
    public void Bind(string name, MappingLabel label)
    {
        Labels = Labels.SetItem(name, label);
        History = History.Add(label);
    }

    public void AddFile(string name, MemoryFile file) => Files = Files.SetItem(name, file);
}
