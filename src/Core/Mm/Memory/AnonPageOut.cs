using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// MADV_PAGEOUT of large anonymous folios with no swap device. A folio this process alone maps is
/// split whether the range covers it in part (reclaim takes whole folios only) or whole (reclaim
/// finds no swap for it and falls back to its small pages), so its zero-filled subpages map the
/// zero page afterwards; its small pages then have nowhere to go and stay mapped. A folio another
/// process maps too, a pinned one and the huge zero page stay as they are.
/// </summary>
/// Kernel: madvise_cold_or_pageout_pte_range() (folio_maybe_mapped_shared(), split_folio() of a
/// partly covered folio), shrink_folio_list() (add_to_swap() fails -> split_folio_to_list()).
public static class AnonPageOut
{
    public static void SplitLargeFolios(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        var walk = new SplitWalk(mm, vma);
        PageWalk.Range(mm.Tables, start, end, ref walk);
    }

    /// <summary>Kernel: madvise_cold_or_pageout_pte_range() (cold_walk_ops), for the large anonymous folios.</summary>
    private readonly struct SplitWalk(MmStruct mm, Vma vma) : IPageWalkOps
    {
        public WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction Hole(in Slot slot, ulong start, ulong end) => WalkAction.Continue;

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            if (HugePmd.IsLeaf(vma, slot, entry) && !HugePmd.IsHugeZero(mm.System, entry))
                SplitPmdMapped(mm, vma, slot, start, entry.Frame);
            return WalkAction.Continue;
        }

        public WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = mm.System;
            var slot = first;
            for (ulong address = start; address < end; address += system.PageSize, slot = slot.Next())
            {
                var entry = mm.Tables.Get(slot);
                if (entry.Kind == EntryKind.Page && !entry.Has(EntryFlags.Special) && !system.Zero.IsZero(entry.Frame)
                    && Folios.IsAnon(system, entry.Frame) && system.Memory[system.Memory.HeadOf(entry.Frame)].Order > 0
                    && MappedOnlyHere(mm, address, entry.Frame))
                    FolioSplit.Split(mm, address, entry.Frame);
            }
            return WalkAction.Continue;
        }
    }

    private static void SplitPmdMapped(MmStruct mm, Vma vma, in Slot slot, ulong address, ulong head)
    {
        var system = mm.System;
        if (Folios.MapCountOf(system, head) != 1 || !FolioSplit.CanSplit(system, head))
            return;
        ulong haddr = address & ~(system.Geometry.PmdSize - 1);
        HugePmdSplit.Split(mm, vma, slot, haddr);
        FolioSplit.Split(mm, haddr, head);
    }

    /// <summary>
    /// Every mapping of the PTE-mapped folio of <paramref name="pfn"/> is an entry of this address
    /// space in the folio's own span (an anonymous page is mapped at most once per process).
    /// </summary>
    /// Kernel: !folio_maybe_mapped_shared().
    private static bool MappedOnlyHere(MmStruct mm, ulong address, ulong pfn)
    {
        var system = mm.System;
        ulong head = system.Memory.HeadOf(pfn);
        ulong nr = 1UL << system.Memory[head].Order;
        ulong start = address - ((pfn - head) << system.PageShift);
        long found = 0;
        for (ulong i = 0; i < nr; i++)
        {
            var walk = mm.Tables.Walk(start + (i << system.PageShift), PageLevel.Pte, allocate: false);
            if (walk.Level == PageLevel.Pte && walk.Entry.Kind == EntryKind.Page && walk.Entry.Frame == head + i)
                found++;
        }
        return found == Folios.MapCountOf(system, head);
    }
}
