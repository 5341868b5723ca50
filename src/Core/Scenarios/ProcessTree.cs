namespace Pluggable.Core.Scenarios;

/// <summary>
/// The processes of a run and their names, with the label rules of the Set-up section: labels are
/// per process, a child inherits its parent's, and a name the process does not define means the
/// newest label of that name created by one of its descendants.
/// </summary>
internal sealed class ProcessTree
{
    private readonly Dictionary<string, ScenarioProcess> _byName = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>The first process, number 0 in the backend; it has no name.</summary>
    public ScenarioProcess Main { get; } = new(0, null, null);

    public ScenarioProcess Fork(ScenarioProcess parent, int childId, string name)
    {
        var child = new ScenarioProcess(childId, name, parent);
        _byName[name] = child;
        return child;
    }

    /// <summary>Forgets a child whose fork failed after it had been reported as blocked.</summary>
    public void Remove(ScenarioProcess child)
    {
        child.Parent?.Children.Remove(child);
        if (child.Name is { } name && _byName.TryGetValue(name, out var bound) && bound == child)
            _byName.Remove(name);
    }

    public ScenarioProcess? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The named process with the backend's number <paramref name="id"/>, or null.</summary>
    public ScenarioProcess? FindById(int id) => _byName.Values.FirstOrDefault(p => p.Id == id);

    /// <summary>Whether <paramref name="process"/> is <paramref name="ancestor"/> or descends from it.</summary>
    public static bool IsSelfOrDescendant(ScenarioProcess process, ScenarioProcess ancestor)
    {
        for (var p = process; p is not null; p = p.Parent)
        {
            if (p == ancestor)
                return true;
        }
        return false;
    }

    public MappingLabel Bind(ScenarioProcess process, string name, ulong address, ulong size)
    {
        var label = new MappingLabel(name, address, size, ++_sequence);
        process.Bind(name, label);
        return label;
    }

    public MappingLabel ResolveLabel(ScenarioProcess process, string name)
    {
        if (process.Labels.TryGetValue(name, out var own))
            return own;
        return NewestInDescendants(process, name) ?? throw Unknown(name);
    }

    public MemoryFile ResolveFile(ScenarioProcess process, string name) =>
        process.Files.GetValueOrDefault(name) ?? throw Unknown(name);

    /// <summary>The newest label, of this process or a descendant, whose range holds <paramref name="address"/>.</summary>
    public MappingLabel? Containing(ScenarioProcess process, ulong address)
    {
        MappingLabel? best = null;
        foreach (var label in process.History)
        {
            if (label.Contains(address) && (best is null || label.Sequence > best.Sequence))
                best = label;
        }
        foreach (var child in process.Children)
        {
            var found = Containing(child, address);
            if (found is not null && (best is null || found.Sequence > best.Sequence))
                best = found;
        }
        return best;
    }

    private static MappingLabel? NewestInDescendants(ScenarioProcess process, string name)
    {
        MappingLabel? best = null;
        foreach (var child in process.Children)
        {
            var found = child.Labels.GetValueOrDefault(name);
            var deeper = NewestInDescendants(child, name);
            if (deeper is not null && (found is null || deeper.Sequence > found.Sequence))
                found = deeper;
            if (found is not null && (best is null || found.Sequence > best.Sequence))
                best = found;
        }
        return best;
    }

    private static ScriptErrorException Unknown(string name) => new($"unknown label '{name}'");
}
