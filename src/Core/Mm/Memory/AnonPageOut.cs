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
        var system = mm.System;
        ulong a = start;
        while (a < end)
        {
            var walk = mm.Tables.Walk(a, PageLevel.Pte, allocate: false);
            if (walk.Level != PageLevel.Pte)
            {
                if (HugePmd.IsLeaf(vma, walk) && !HugePmd.IsHugeZero(system, walk.Entry))
                    SplitPmdMapped(mm, vma, walk.Slot, a, walk.Entry.Frame);
                a = system.Geometry[walk.Level].NextEntryStart(a);
                continue;
            }
            var entry = walk.Entry;
            if (entry.Kind == EntryKind.Page && !entry.Has(EntryFlags.Special) && !system.Zero.IsZero(entry.Frame)
                && Folios.IsAnon(system, entry.Frame) && system.Memory[system.Memory.HeadOf(entry.Frame)].Order > 0
                && MappedOnlyHere(mm, a, entry.Frame))
                FolioSplit.Split(mm, a, entry.Frame);
            a += system.PageSize;
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
