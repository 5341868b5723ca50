using Pluggable.Core.Arch;

namespace Pluggable.Core.Tests;

/// <summary>
/// Made-up architectures whose default huge page uses the placements x86_64 does not have: an
/// arm64-like 64K run of 16 PTEs (break-before-make), and PowerPC-like hugepds on a hash-4K
/// geometry (pte 12/512, pmd 21/128, pud 28/512, pgd 37/512): 16M under a pud slot (a table of 16
/// hugeptes) and 4M over two pmd slots sharing a one-entry table.
/// </summary>
public sealed class ShapesArchitecture : Architecture
{
    public enum Shape
    {
        ContPte64K,
        HugePd16MAtPud,
        HugePd4MOverPmds,
    }

    private static readonly PageGeometry ArmLike = new(12, 48, (1UL << 47) - 4096, 8, false,
    [
        new LevelGeometry(PageLevel.Pgd, 39, 512, false),
        new LevelGeometry(PageLevel.P4d, 39, 1, true),
        new LevelGeometry(PageLevel.Pud, 30, 512, false),
        new LevelGeometry(PageLevel.Pmd, 21, 512, false),
        new LevelGeometry(PageLevel.Pte, 12, 512, false),
    ]);

    private static readonly PageGeometry HashLike = new(12, 46, (1UL << 46) - 4096, 8, false,
    [
        new LevelGeometry(PageLevel.Pgd, 37, 512, false),
        new LevelGeometry(PageLevel.P4d, 37, 1, true),
        new LevelGeometry(PageLevel.Pud, 28, 512, false),
        new LevelGeometry(PageLevel.Pmd, 21, 128, false),
        new LevelGeometry(PageLevel.Pte, 12, 512, false),
    ]);

    private readonly HugePageSize _default;

    public ShapesArchitecture(Shape shape)
    {
        Kind = shape;
        if (shape == Shape.ContPte64K)
        {
            Geometry = ArmLike;
            _default = new HugePageSize(16, PageLevel.Pte, HugePlacement.ContiguousRun);
            HugePageSizes = [new HugePageSize(30, PageLevel.Pud, HugePlacement.Leaf), new HugePageSize(21, PageLevel.Pmd, HugePlacement.Leaf), _default];
        }
        else
        {
            Geometry = HashLike;
            var pd16M = new HugePageSize(24, PageLevel.Pud, HugePlacement.HugePd);
            var pd4M = new HugePageSize(22, PageLevel.Pmd, HugePlacement.HugePd);
            _default = shape == Shape.HugePd16MAtPud ? pd16M : pd4M;
            HugePageSizes = [pd16M, pd4M];
        }
    }

    public Shape Kind { get; }

    public override string Name => "shapes-" + Kind;

    public override PageGeometry Geometry { get; }

    public override IEntryCodec Codec { get; } = new ShapesCodec();

    public override IReadOnlyList<HugePageSize> HugePageSizes { get; }

    public override HugePageSize? DefaultHugePage => _default;

    public override ArchCapabilities Capabilities => new(UffdWp: true, UffdMinor: true);

    public override bool RunNeedsBreakBeforeMake => Kind == Shape.ContPte64K;

    /// <summary>One bit per flag; a hugepd keeps its table frame and page shift.</summary>
    private sealed class ShapesCodec : IEntryCodec
    {
        private const ulong Present = 1, Table = 1 << 10, SwapBit = 1 << 11, HugePdBit = 1UL << 60;
        private const int FrameShift = 12, TypeShift = 54;
        private const ulong FrameMask = ((1UL << 38) - 1) << FrameShift;

        private static readonly (EntryFlags Flag, int Bit)[] Bits =
        [
            (EntryFlags.Write, 1), (EntryFlags.User, 2), (EntryFlags.Dirty, 3), (EntryFlags.Young, 4),
            (EntryFlags.Exec, 5), (EntryFlags.Special, 6), (EntryFlags.Huge, 7), (EntryFlags.UffdWp, 8),
            (EntryFlags.SoftDirty, 9), (EntryFlags.Cont, 50), (EntryFlags.ProtNone, 52), (EntryFlags.SwapExclusive, 53),
        ];

        public ulong Encode(PageLevel level, in PageEntry e) => e.Kind switch
        {
            EntryKind.None => 0,
            EntryKind.Table => Present | Table | (e.Frame << FrameShift),
            EntryKind.HugePd => HugePdBit | ((ulong)e.Shift << TypeShift) | (e.Frame << FrameShift),
            EntryKind.Swap => SwapBit | FlagBits(e.Flags) | ((ulong)e.SwapType << TypeShift) | (e.Frame << FrameShift),
            _ => (e.Has(EntryFlags.ProtNone) ? 0 : Present) | FlagBits(e.Flags) | (e.Frame << FrameShift),
        };

        public PageEntry Decode(PageLevel level, ulong raw)
        {
            if (raw == 0) return PageEntry.Empty;
            ulong frame = (raw & FrameMask) >> FrameShift;
            if ((raw & HugePdBit) != 0) return PageEntry.HugePd(frame, (int)((raw >> TypeShift) & 0x3f));
            if ((raw & Table) != 0) return PageEntry.Table(frame);
            var flags = EntryFlags.None;
            foreach (var (flag, bit) in Bits)
                if ((raw & (1UL << bit)) != 0) flags |= flag;
            if ((raw & SwapBit) != 0)
                return PageEntry.SwapEntry((byte)((raw >> TypeShift) & 0x3f), frame, flags & ~EntryFlags.ProtNone);
            return PageEntry.Page(frame, flags);
        }

        public string Describe(PageLevel level, ulong raw)
        {
            if ((raw & HugePdBit) != 0) return $"HPD shift={(raw >> TypeShift) & 0x3f}";
            var names = new List<string>();
            if ((raw & Present) != 0) names.Add("P");
            foreach (var (flag, bit) in Bits)
                if ((raw & (1UL << bit)) != 0) names.Add(flag.ToString());
            return string.Join(' ', names);
        }

        private static ulong FlagBits(EntryFlags flags)
        {
            ulong raw = 0;
            foreach (var (flag, bit) in Bits)
                if ((flags & flag) != 0) raw |= 1UL << bit;
            return raw;
        }
    }
}
