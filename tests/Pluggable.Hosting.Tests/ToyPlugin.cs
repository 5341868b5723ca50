using Pluggable.Core.Arch;

namespace Pluggable.Hosting.Tests;

/// <summary>
/// A small, self-consistent architecture for testing the host without depending on any real
/// plugin: 4K pages, x86_64-like levels, a lossless codec. <c>levels=3|4</c> folds the pgd or not.
/// Public and parameterless on purpose: copied into a plugin folder, this test assembly is itself
/// a plugin for <see cref="McMasterPluginLoader"/>.
/// </summary>
public sealed class ToyPlugin : IArchitecturePlugin
{
    public const string ToyName = "toy";

    public string Name => ToyName;

    public IReadOnlyList<string> Aliases => ["toy-arch", "TA"];

    public string Description => "test architecture";

    public IReadOnlyList<ArchOption> Options =>
    [
        new("levels", ["3", "4"], "4", "page-table levels"),
        new("zero", ["1", "2"], "1", "zero pages"),
    ];

    public Architecture Create(IReadOnlyDictionary<string, string> options) =>
        new ToyArchitecture(
            Name,
            options.TryGetValue("levels", out var l) ? int.Parse(l) : 4,
            options.TryGetValue("zero", out var z) ? int.Parse(z) : 1);

    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
    [
        new Dictionary<string, string> { ["levels"] = "3", ["zero"] = "1" },
        new Dictionary<string, string> { ["levels"] = "4", ["zero"] = "1" },
    ];
}

public sealed class ToyArchitecture(string name, int levels, int zeroPages) : Architecture
{
    public override string Name => name;

    public override string Configuration => $"levels={levels}";

    public override PageGeometry Geometry { get; } = new(
        pageShift: 12,
        vaBits: levels == 4 ? 48 : 39,
        taskSize: levels == 4 ? 0x7FFF_FFFF_F000UL : 0x7F_FFFF_F000UL,
        entryBytes: 8,
        bigEndian: false,
        levels == 4
            ?
            [
                new LevelGeometry(PageLevel.Pgd, 39, 512, false),
                new LevelGeometry(PageLevel.P4d, 39, 1, true),
                new LevelGeometry(PageLevel.Pud, 30, 512, false),
                new LevelGeometry(PageLevel.Pmd, 21, 512, false),
                new LevelGeometry(PageLevel.Pte, 12, 512, false),
            ]
            :
            [
                new LevelGeometry(PageLevel.Pgd, 30, 512, false),
                new LevelGeometry(PageLevel.P4d, 30, 1, true),
                new LevelGeometry(PageLevel.Pud, 30, 1, true),
                new LevelGeometry(PageLevel.Pmd, 21, 512, false),
                new LevelGeometry(PageLevel.Pte, 12, 512, false),
            ]);

    public override IEntryCodec Codec { get; } = new ToyCodec();

    public override IReadOnlyList<HugePageSize> HugePageSizes { get; } = [new(21, PageLevel.Pmd, HugePlacement.Leaf)];

    public override int ZeroPageCount => zeroPages;
}

/// <summary>
/// Kind in bits 0-2, flags 0-8 in bits 3-11, frame in bits 12-51, flags 9-13 in bits 52-56,
/// and the hugepd shift or swap type in bits 57-62.
/// </summary>
public sealed class ToyCodec : IEntryCodec
{
    private const int FrameBits = 40;

    public ulong Encode(PageLevel level, in PageEntry entry)
    {
        if (entry.IsNone)
            return 0;
        ulong flags = (ulong)entry.Flags;
        ulong extra = entry.Kind == EntryKind.Swap ? entry.SwapType : entry.Shift;
        return (ulong)entry.Kind
            | (flags & 0x1FF) << 3
            | (entry.Frame & ((1UL << FrameBits) - 1)) << 12
            | (flags >> 9 & 0x1F) << 52
            | (extra & 0x3F) << 57;
    }

    public PageEntry Decode(PageLevel level, ulong raw)
    {
        var kind = (EntryKind)(raw & 7);
        if (kind == EntryKind.None)
            return PageEntry.Empty;
        var flags = (EntryFlags)((raw >> 3 & 0x1FF) | (raw >> 52 & 0x1F) << 9);
        var frame = raw >> 12 & ((1UL << FrameBits) - 1);
        var extra = (byte)(raw >> 57 & 0x3F);
        return kind == EntryKind.Swap
            ? new PageEntry(kind, frame, flags, SwapType: extra)
            : new PageEntry(kind, frame, flags, Shift: extra);
    }

    public string Describe(PageLevel level, ulong raw) => Decode(level, raw).ToString();
}
