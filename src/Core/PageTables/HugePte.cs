using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// Where one huge page's entries live: a leaf slot, the first of the N slots of a contiguous run,
/// or the hugepte a hugepd points to. <see cref="SlotPages"/> is the frame advance from one slot of
/// a run to the next (0 when every slot repeats the same entry).
/// </summary>
/// Kernel: the pte_t* huge_pte_alloc()/huge_pte_offset() return, with find_num_contig()'s ncontig and pgsize.
public readonly record struct HugePte(Slot Slot, HugePageSize Size, int Slots, ulong SlotPages)
{
    /// <summary>Bytes of address one slot covers.</summary>
    public ulong SlotSpan => Size.Size / (ulong)Slots;

    /// <summary>The places of a page of <paramref name="size"/> whose entries start at <paramref name="slot"/>.</summary>
    public static HugePte At(in Slot slot, HugePageSize size, PageGeometry geo)
    {
        if (size.Placement != HugePlacement.ContiguousRun)
            return new HugePte(slot, size, 1, 0);
        var level = geo[size.Level];
        int slots = 1 << (size.Shift - level.Shift);
        ulong step = size.RunAdvancesFrame ? level.EntrySpan >> geo.PageShift : 0;
        return new HugePte(slot, size, slots, step);
    }
}
