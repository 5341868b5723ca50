namespace Pluggable.Fuzzing;

/// <summary>The kinds of memory a generated mapping is made of.</summary>
internal enum MemoryKind
{
    AnonPrivate,
    AnonShared,
    ShmemShared,
    ShmemPrivate,
    HugetlbShared,
    HugetlbPrivate,
}

/// <summary>
/// What the generator believes about one label: how it was made and how big it is. A belief, not a
/// fact: the generator never runs anything, so a failed mmap leaves a label that the run will
/// report as unknown.
/// </summary>
internal sealed class ModelMapping(string label, MemoryKind kind, ulong bytes, ulong granule)
{
    public string Label { get; } = label;
    public MemoryKind Kind { get; } = kind;
    public ulong Bytes { get; set; } = bytes;

    /// <summary>The unit the kernel works in for this mapping: the base page, or the huge page of hugetlb memory.</summary>
    public ulong Granule { get; } = granule;

    /// <summary>The userfaultfd last registered on it and the modes asked for.</summary>
    public ModelUffd? Uffd { get; set; }

    /// <summary>The modes as written: <c>missing</c>, <c>wp,minor</c>, <c>none</c>; empty when never registered.</summary>
    public string Modes { get; set; } = "";

    /// <summary>Unmapped as a whole or moved away: commands on it are still valid, only less interesting.</summary>
    public bool Gone { get; set; }

    /// <summary>Unit-aligned ranges [Start, End) of the accesses that may still be parked on it, and whether each writes.</summary>
    public List<(ulong Start, ulong End, bool Write)> MayPark { get; } = [];

    public bool Hugetlb => Kind is MemoryKind.HugetlbShared or MemoryKind.HugetlbPrivate;
    public bool Anonymous => Kind is MemoryKind.AnonPrivate;
    public bool FileBacked => !Anonymous;

    public ModelMapping CopyFor(string newLabel, ulong bytes) =>
        new(newLabel, Kind, bytes, Granule) { Uffd = Uffd, Modes = Modes };
}

/// <summary>A memory file made with <c>memfd</c>.</summary>
internal sealed record ModelFile(string Name, bool Hugetlb, ulong Bytes);

/// <summary>A userfaultfd and the features its handshake asked for.</summary>
internal sealed class ModelUffd(string name, IReadOnlyList<string> features, ModelProcess owner)
{
    public string Name { get; } = name;
    public IReadOnlyList<string> Features { get; } = features;
    public ModelProcess Owner { get; } = owner;
    public bool Closed { get; set; }

    /// <summary>False for the copy a fork event will deliver until a <c>read</c> of that event names it.</summary>
    public bool Bound { get; set; } = true;

    public bool Has(string feature) => Features.Contains(feature);
}

/// <summary>A process of the scenario: the main one (no name) or a child made by <c>fork</c>.</summary>
internal sealed class ModelProcess(string? name)
{
    public string? Name { get; } = name;
    public bool IsMain => Name is null;
    public List<ModelMapping> Mappings { get; } = [];
    public List<ModelFile> Files { get; } = [];

    /// <summary>The names of its io_uring (<c>rN</c>) and AF_XDP (<c>sN</c>) registrations; a child inherits none.</summary>
    public List<string> Registrations { get; } = [];

    /// <summary>A child sees its parent's labels and memory files, as the language says.</summary>
    public ModelProcess Fork(string childName)
    {
        var child = new ModelProcess(childName);
        foreach (var mapping in Mappings)
            child.Mappings.Add(mapping.CopyFor(mapping.Label, mapping.Bytes));
        child.Files.AddRange(Files);
        return child;
    }

    public ModelMapping? Find(string label) => Mappings.Find(m => m.Label == label);
}

/// <summary>An access that may have stopped on a userfault at <paramref name="Offset"/> of the mapping.</summary>
internal sealed record PendingFault(ModelMapping Mapping, ulong Offset);

/// <summary>
/// A message a monitor would now read from <paramref name="Uffd"/>: a fault to resolve, a fork
/// event whose new userfaultfd becomes <paramref name="ForkCopy"/>, or another event.
/// </summary>
internal sealed record PendingRead(ModelUffd Uffd, PendingFault? Fault = null, ModelUffd? ForkCopy = null);

/// <summary>A <c>gup ... pin</c> that a later <c>unpin</c> may release.</summary>
internal sealed record ModelPin(ModelProcess Process, string Address, ulong Pages);

/// <summary>Everything the generator tracks while it writes one scenario.</summary>
internal sealed class ScenarioModel
{
    private static readonly string[] LabelNames = ["a", "b", "d", "e", "g", "h", "i", "j", "k", "l", "n", "o", "q", "r", "t", "x", "y", "z"];
    private int _labels;
    private int _files;
    private int _uffds;
    private int _processes;

    public ScenarioModel() => Processes.Add(Main);

    public ModelProcess Main { get; } = new(null);
    public List<ModelProcess> Processes { get; } = [];
    public List<ModelUffd> Uffds { get; } = [];
    public List<ModelPin> Pins { get; } = [];
    public PendingRead? Pending { get; set; }
    public bool PoolSized { get; set; }
    public bool Tracing { get; set; }

    public IEnumerable<ModelUffd> OpenUffds => Uffds.Where(u => !u.Closed);

    public string NewLabel()
    {
        int n = _labels++;
        return n < LabelNames.Length ? LabelNames[n] : LabelNames[n % LabelNames.Length] + (n / LabelNames.Length + 1);
    }

    public string NewFile() => $"f{++_files}";

    public string NewUffd() => $"u{++_uffds}";

    public string NewProcess() => $"c{++_processes}";
}
