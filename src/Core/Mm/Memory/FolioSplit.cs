using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Splits a PTE-mapped large anonymous folio into order-0 folios: each subpage keeps the
/// references of the entries that map it; subpages no entry maps any more are freed. Refused with
/// EBUSY while someone holds a reference that is not a mapping (a pin). After a split, a subpage
/// that holds only zeroes is not kept: its entry maps the shared zero page instead (keeping the
/// entry's soft-dirty and uffd-wp bits) and the page is freed, unless the VMA is locked.
/// The kernel finds every entry of the folio through the rmap; here the entries are looked for
/// in the splitting address space at the folio's own span, which holds every mapping of a folio
/// mapped by one process (what the callers split); a subpage mapped more than once keeps its page.
/// </summary>
/// Kernel: split_folio() -> __folio_split() (can_split_folio(), remap_page() with
/// RMP_USE_SHARED_ZEROPAGE for anonymous folios), try_to_map_unused_to_zeropage() (mm/migrate.c).
public static class FolioSplit
{
    /// <summary>Only the mappings hold the folio: nothing else would see its pages change.</summary>
    /// Kernel: can_split_folio().
    public static bool CanSplit(MemorySystem system, ulong head)
    {
        ref var h = ref system.Memory[head];
        return h.PinCount == 0 && h.RefCount == Folios.MapCountOf(system, head);
    }

    /// <summary>Splits the folio of <paramref name="pfn"/>, which <paramref name="mm"/> maps at <paramref name="address"/>.</summary>
    public static Errno Split(MmStruct mm, ulong address, ulong pfn)
    {
        var system = mm.System;
        var memory = system.Memory;
        ulong head = memory.HeadOf(pfn);
        if (!CanSplit(system, head))
            return Errno.EBUSY;
        ulong nr = 1UL << memory[head].Order;
        for (ulong i = 0; i < nr; i++)
        {
            ref var d = ref memory[head + i];
            d.Flags &= ~(PageFlags.Head | PageFlags.Tail | PageFlags.Thp);
            d.Order = 0;
            d.Link = 0;
            d.RefCount = d.MapCount;
        }
        for (ulong i = 0; i < nr; i++)
        {
            if (memory[head + i].MapCount == 0)
                memory.Free(head + i, 0);
        }
        if (system.Kernel.SplitMapsZeroFilledToZeroPage)
            MapZeroFilledToZeroPage(mm, address - ((pfn - head) << system.PageShift), head, nr);
        return Errno.None;
    }

    /// <summary>Kernel: remove_migration_ptes() -> try_to_map_unused_to_zeropage().</summary>
    private static void MapZeroFilledToZeroPage(MmStruct mm, ulong start, ulong head, ulong nr)
    {
        var system = mm.System;
        for (ulong i = 0; i < nr; i++)
        {
            ulong pfn = head + i;
            ulong address = start + (i << system.PageShift);
            if (system.Memory[pfn].MapCount != 1 || mm.Vmas.Find(address) is not { } vma || vma.Has(VmFlags.Locked))
                continue;
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: false);
            if (walk.Level != PageLevel.Pte || walk.Entry.Kind != EntryKind.Page || walk.Entry.Frame != pfn)
                continue;
            if (system.Memory.Data(pfn).ContainsAnyExcept((byte)0))
                continue;
            var old = walk.Entry;
            mm.Tables.ClearFlush(walk.Slot, address);
            Folios.RemoveMap(mm, pfn);
            ulong zero = system.Zero.PfnFor(address);
            system.Ops.Record("my_zero_pfn", PageLevel.Pte, address, 0, zero);
            var flags = PageProt.Base(mm.System, vma) | EntryFlags.Special | (old.Flags & (EntryFlags.SoftDirty | EntryFlags.UffdWp));
            FaultHandler.Install(mm, walk.Slot, address, PageEntry.Page(zero, flags));
        }
    }
}
