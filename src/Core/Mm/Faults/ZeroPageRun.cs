using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// Read faults over the empty entries of private anonymous memory, one page table at a time: each
/// maps the zero page exactly as a fault would, without a walk from the top per page. The populate
/// loops use it where nothing else could happen on those faults (no userfaultfd missing
/// registration, no THP for the block), so that populating a large read-only range costs its page
/// tables and little more. A traced run records what each fault would (my_zero_pfn, set_pte_at,
/// update_mmu_cache), so the trace reads the same as one fault per page.
/// </summary>
/// Kernel: the read path of do_anonymous_page() (my_zero_pfn()), once per empty entry.
internal static class ZeroPageRun
{
    /// <summary>
    /// Maps the zero page at every empty entry of [address, end) in the PTE table of
    /// <paramref name="address"/>; returns where it stopped (the table's end or <paramref name="end"/>),
    /// or <paramref name="address"/> itself when the faults there must take the ordinary path.
    /// </summary>
    public static ulong Map(MmStruct mm, Vma vma, ulong address, ulong end)
    {
        var system = mm.System;
        if (!vma.IsAnonymous || vma.Has(VmFlags.UffdMissing)
            || (Thp.VmaAllowed(system, vma, inFault: true) && Thp.Suitable(system, vma, address)))
            return address;
        var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: true);
        if (walk.Level != PageLevel.Pte)
            return address;
        ulong stop = system.Geometry.PteTableEnd(address, end);
        var prot = PageProt.Base(mm.System, vma) | EntryFlags.Special;
        var ops = system.Ops;
        var words = mm.Tables.Words(walk.Slot.Table, PageLevel.Pte);
        var zero = system.Zero;
        system.Deadline.Check();
        if (ops.Sink.Enabled)
            return Traced(mm, walk.Slot, address, stop, prot);
        // Untraced, each fault is the plugin's set and MMU-cache hooks and the word written, without
        // PageTable.Set's per-entry lookups.
        int index = walk.Slot.Index;
        for (ulong a = address; a < stop; a += system.PageSize, index++)
        {
            if (!mm.Tables.IsNone(PageLevel.Pte, words.Read(index)))
                continue;
            var entry = PageEntry.Page(zero.PfnFor(a), prot);
            words.Write(index, ops.PrepareSet(PageLevel.Pte, a, entry));
            ops.UpdateMmuCache(a, PageLevel.Pte, entry);
        }
        return stop;
    }

    private static ulong Traced(MmStruct mm, Slot first, ulong address, ulong stop, EntryFlags prot)
    {
        var system = mm.System;
        var slot = first;
        for (ulong a = address; a < stop; a += system.PageSize, slot = slot.Next())
        {
            if (!mm.Tables.IsNone(slot))
                continue;
            ulong zero = system.Zero.PfnFor(a);
            system.Ops.Record("my_zero_pfn", PageLevel.Pte, a, 0, zero);
            FaultHandler.Install(mm, slot, a, PageEntry.Page(zero, prot));
        }
        return stop;
    }
}
