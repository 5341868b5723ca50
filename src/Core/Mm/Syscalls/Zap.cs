using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>Who zaps, which decides what survives.</summary>
/// Kernel: struct zap_details (NULL, ZAP_FLAG_DROP_MARKER|ZAP_FLAG_UNMAP with even_cows, or even_cows = false).
public enum ZapMode
{
    /// <summary>munmap and exit: everything goes, markers included.</summary>
    Unmap,

    /// <summary>MADV_DONTNEED: pages and poison go; a file VMA keeps and gains uffd-wp markers.</summary>
    DontNeed,

    /// <summary>unmap_mapping_range() for a hole punch: private COW pages and poison markers stay.</summary>
    MappingRange,
}

/// <summary>Removes the mappings of a range of one VMA, dropping page references; skips empty tables.</summary>
/// Kernel: zap_page_range_single() / unmap_page_range() -> zap_pmd_range() (zap_huge_pmd() or split) -> zap_pte_range(), tlb_finish_mmu().
public static class Zap
{
    public static void Range(MmStruct mm, Vma vma, ulong start, ulong end, ZapMode mode)
    {
        var system = mm.System;
        var tlb = new TlbGather();
        bool keepFileMarkers = mode != ZapMode.Unmap && !vma.IsAnonymous;
        bool markersSurvive = keepFileMarkers && vma.Has(VmFlags.UffdWp);
        var retry = new RetryBound("zap's walk");
        ulong address = start;
        while (address < end)
        {
            retry.Attempt(address);
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: false);
            if (HugePmd.IsLeaf(vma, walk))
            {
                ulong next = HugePmd.NextBlock(system, address);
                if ((address & (system.Geometry.PmdSize - 1)) != 0 || next > end)
                {
                    HugePmdSplit.Split(mm, vma, walk.Slot, address);
                    continue;
                }
                HugePmd.Zap(mm, walk.Slot, address);
                tlb.Add(system.Geometry.PmdShift);
                address = next;
                continue;
            }
            if (walk.Level != PageLevel.Pte)
            {
                if (walk.Entry.Kind != EntryKind.None)
                    throw new InvalidOperationException(
                        $"BUG: zap found a {walk.Entry.Kind} {walk.Level.KernelName()} entry at 0x{address:x}; huge mappings are not zapped here");
                address = system.Geometry[walk.Level].NextEntryStart(address);
                continue;
            }
            ulong tableEnd = system.Geometry.PteTableEnd(address, end);
            system.Deadline.Check();
            ZapTable(mm, walk.Slot, address, tableEnd, mode, keepFileMarkers, markersSurvive, ref tlb);
            if (mode == ZapMode.DontNeed && tableEnd - address == system.Geometry.PmdSize && system.Ops.Arch.ReclaimsEmptyPteTables)
                mm.Tables.FreePteTableIfEmpty(address);
            address = tableEnd;
        }
        tlb.Finish(system.Ops, start, end);
    }

    /// <summary>
    /// Zaps [address, end) of one PTE table. Its entries are often one word repeated (the zero page
    /// read-faulted over a range), so a word is decoded and judged once for its run of repeats.
    /// </summary>
    /// Kernel: zap_pte_range().
    private static void ZapTable(MmStruct mm, Slot first, ulong address, ulong end, ZapMode mode, bool keepFileMarkers, bool markersSurvive, ref TlbGather tlb)
    {
        var system = mm.System;
        ulong pageSize = system.PageSize;
        var words = mm.Tables.Words(first.Table);
        bool traced = system.Ops.Sink.Enabled;
        ulong lastRaw = 0;
        var entry = PageEntry.Empty;
        bool keep = true, wp = false;
        for (int index = first.Index; address < end; address += pageSize, index++)
        {
            ulong raw = words.Read(index);
            if (raw == 0)
                continue;
            if (raw != lastRaw)
            {
                lastRaw = raw;
                entry = system.Ops.Codec.Decode(PageLevel.Pte, raw);
                keep = entry.IsNone || Keeps(system, mode, keepFileMarkers, entry);
                wp = entry.Has(EntryFlags.UffdWp) || PteMarker.IsUffdWp(entry);
            }
            if (keep)
                continue;
            var slot = first with { Index = index };
            if (traced)
                mm.Tables.ClearRaw(slot, address);
            else
                words.Write(index, 0);
            if (entry.Kind == EntryKind.Page)
            {
                tlb.Add(system.PageShift);
                DropPage(mm, entry);
            }
            if (markersSurvive && wp)
                mm.Tables.Set(slot, address, PteMarker.Make(PteMarker.UffdWp));
        }
    }

    /// <summary>
    /// Kernel: zap_nonpresent_ptes() / should_zap_cows() — a file VMA keeps its uffd-wp markers
    /// unless it goes away; unmapping a file range (hole punch) keeps poison markers and private
    /// copy-on-write pages.
    /// </summary>
    private static bool Keeps(MemorySystem system, ZapMode mode, bool keepFileMarkers, in PageEntry entry)
    {
        if (PteMarker.IsUffdWp(entry))
            return keepFileMarkers;
        if (mode != ZapMode.MappingRange)
            return false;
        if (PteMarker.IsPoisoned(entry))
            return true;
        return entry.Kind == EntryKind.Page && !system.Zero.IsZero(entry.Frame) && !entry.Has(EntryFlags.Special)
            && Folios.IsAnon(system, entry.Frame);
    }

    private static void DropPage(MmStruct mm, in PageEntry old)
    {
        var system = mm.System;
        if (system.Zero.IsZero(old.Frame) || old.Has(EntryFlags.Special))
            return;
        if (old.Has(EntryFlags.Dirty))
            system.Memory[old.Frame].Flags |= PageFlags.Dirty;
        Folios.RemoveMap(mm, old.Frame);
    }
}
