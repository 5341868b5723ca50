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
        bool keepFileMarkers = mode != ZapMode.Unmap && !vma.IsAnonymous;
        var walk = new ZapWalk(mm, vma, mode, keepFileMarkers, markersSurvive: keepFileMarkers && vma.Has(VmFlags.UffdWp));
        PageWalk.Range(mm.Tables, start, end, ref walk);
        walk.Tlb.Finish(mm.System.Ops, start, end);
    }

    /// <summary>Kernel: unmap_page_range()'s walk — zap_pmd_range() (zap_huge_pmd() or a split), zap_pte_range().</summary>
    private struct ZapWalk(MmStruct mm, Vma vma, ZapMode mode, bool keepFileMarkers, bool markersSurvive) : IPageWalkOps
    {
        public TlbGather Tlb;

        public readonly WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public readonly WalkAction Hole(in Slot slot, ulong start, ulong end) => WalkAction.Continue;

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            var system = mm.System;
            if (!HugePmd.IsLeaf(vma, slot, entry))
                throw new InvalidOperationException(
                    $"BUG: zap found a {entry.Kind} {slot.Level.KernelName()} entry at 0x{start:x}; huge mappings are not zapped here");
            if (end - start < system.Geometry.PmdSize)
            {
                HugePmdSplit.Split(mm, vma, slot, start);
                return WalkAction.Again;
            }
            HugePmd.Zap(mm, slot, start);
            Tlb.Add(system.Geometry.PmdShift);
            return WalkAction.Continue;
        }

        public readonly WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) =>
            throw new InvalidOperationException($"BUG: zap found a hugepd at 0x{start:x} outside a hugetlb VMA");

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = mm.System;
            system.Deadline.Check();
            ZapTable(mm, first, start, end, mode, keepFileMarkers, markersSurvive, ref Tlb);
            if (mode == ZapMode.DontNeed && end - start == system.Geometry.PmdSize && system.Ops.Arch.ReclaimsEmptyPteTables)
                mm.Tables.FreePteTableIfEmpty(start);
            return WalkAction.Continue;
        }
    }

    /// <summary>
    /// Zaps [address, end) of one PTE table. Its entries are often one word repeated (the zero page
    /// read-faulted over a range), so a word is decoded and judged once for its run of repeats.
    /// </summary>
    /// Kernel: zap_pte_range().
    private static void ZapTable(MmStruct mm, in Slot first, ulong address, ulong end, ZapMode mode, bool keepFileMarkers, bool markersSurvive, ref TlbGather tlb)
    {
        var system = mm.System;
        ulong pageSize = system.PageSize;
        var words = mm.Tables.Words(first.Table, PageLevel.Pte);
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
