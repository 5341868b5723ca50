using Pluggable.Core.Arch;

namespace Pluggable.Core.Tests;

/// <summary>
/// A small made-up architecture for testing the core alone: 4 KiB pages, pgd/pud/pmd/pte of 512
/// entries with p4d folded (48-bit VA), a 2 MiB PMD leaf and a plain bit-per-flag encoding.
/// </summary>
public sealed class TestArchitecture : Architecture
{
    public override string Name => "testarch";

    public override PageGeometry Geometry { get; } = new(12, 48, (1UL << 47) - 4096, 8, false,
    [
        new LevelGeometry(PageLevel.Pgd, 39, 512, false),
        new LevelGeometry(PageLevel.P4d, 39, 1, true),
        new LevelGeometry(PageLevel.Pud, 30, 512, false),
        new LevelGeometry(PageLevel.Pmd, 21, 512, false),
        new LevelGeometry(PageLevel.Pte, 12, 512, false),
    ]);

    public override IEntryCodec Codec { get; } = new TestCodec();

    public override IReadOnlyList<HugePageSize> HugePageSizes { get; } = [new HugePageSize(21, PageLevel.Pmd, HugePlacement.Leaf, Transparent: true)];

    public override ArchCapabilities Capabilities => new(Thp: true, UffdWp: true, UffdMinor: true);

    private sealed class TestCodec : IEntryCodec
    {
        private const ulong Present = 1, Table = 1 << 10, SwapBit = 1 << 11;
        private const int FrameShift = 12;
        private const ulong FrameMask = ((1UL << 40) - 1) << FrameShift;

        private static readonly (EntryFlags Flag, int Bit)[] Bits =
        [
            (EntryFlags.Write, 1), (EntryFlags.User, 2), (EntryFlags.Dirty, 3), (EntryFlags.Young, 4),
            (EntryFlags.Exec, 5), (EntryFlags.Special, 6), (EntryFlags.Huge, 7), (EntryFlags.UffdWp, 8),
            (EntryFlags.SoftDirty, 9), (EntryFlags.ProtNone, 52), (EntryFlags.SwapExclusive, 53),
        ];

        public ulong Encode(PageLevel level, in PageEntry e)
        {
            switch (e.Kind)
            {
                case EntryKind.None: return 0;
                case EntryKind.Table: return Present | Table | (e.Frame << FrameShift);
                case EntryKind.Swap: return SwapBit | FlagBits(e.Flags) | ((ulong)e.SwapType << 54) | (e.Frame << FrameShift);
                case EntryKind.Page:
                    return (e.Has(EntryFlags.ProtNone) ? 0 : Present) | FlagBits(e.Flags) | (e.Frame << FrameShift);
                default: throw new ArgumentException($"testarch has no {e.Kind} entries");
            }
        }

        public PageEntry Decode(PageLevel level, ulong raw)
        {
            if (raw == 0) return PageEntry.Empty;
            if ((raw & Table) != 0) return PageEntry.Table((raw & FrameMask) >> FrameShift);
            var flags = EntryFlags.None;
            foreach (var (flag, bit) in Bits)
                if ((raw & (1UL << bit)) != 0) flags |= flag;
            if ((raw & SwapBit) != 0)
                return PageEntry.SwapEntry((byte)(raw >> 54), (raw & FrameMask) >> FrameShift, flags & ~EntryFlags.ProtNone);
            return PageEntry.Page((raw & FrameMask) >> FrameShift, flags);
        }

        public string Describe(PageLevel level, ulong raw)
        {
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
