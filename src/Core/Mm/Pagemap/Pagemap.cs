using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// What /proc/PID/pagemap reports for each base page of a range, read as the kernel walks it: a
/// hole between VMAs or an empty upper-level entry is one step, a PTE table is read slot by slot,
/// so the cost is what is mapped and populated, not the size of the range. The read stops at the
/// top of the user address space (the task size), as the kernel's does: pages at or above it have
/// no entry.
/// </summary>
/// Kernel: pagemap_read() (the end_vaddr clamp), pagemap_pmd_range() / pte_to_pagemap_entry() / pagemap_pte_hole() (fs/proc/task_mmu.c).
public static class Pagemap
{
    /// <summary>The flags of the whole pages of [start, start + length) below the task size.</summary>
    public static PagemapRuns Read(MmStruct mm, ulong start, ulong length)
    {
        var system = mm.System;
        var geo = system.Geometry;
        var runs = new PagemapRuns();
        // The file is indexed by page: a read at any address inside a page starts with that page.
        start &= geo.PageMask;
        ulong pages = length >> system.PageShift;
        if (start >= geo.TaskSize || pages == 0)
            return runs;
        ulong end = pages > (geo.TaskSize - start) >> system.PageShift ? geo.TaskSize : start + (pages << system.PageShift);
        ulong address = start;
        while (address < end)
        {
            system.Deadline.Check();
            var vma = mm.Vmas.FindFrom(address);
            if (vma is null || vma.Start >= end)
            {
                runs.Add(PagemapFlags.None, (end - address) >> system.PageShift);
                break;
            }
            if (vma.Start > address)
            {
                runs.Add(PagemapFlags.None, (vma.Start - address) >> system.PageShift);
                address = vma.Start;
            }
            ulong stop = Math.Min(end, vma.End);
            if (vma.IsHugetlb)
            {
                var walk = new HugetlbWalk(mm, runs);
                PageWalk.Hugetlb(mm.Tables, Hugetlb.PoolOf(system, vma).Size, address, stop, ref walk);
            }
            else
            {
                var walk = new TableWalk(mm, vma, runs);
                PageWalk.Range(mm.Tables, address, stop, ref walk);
            }
            address = stop;
        }
        return runs;
    }

    /// <summary>
    /// Through the tables of one VMA: empty upper entries and PMD leaves in one step, PTE tables slot by slot.
    /// </summary>
    /// Kernel: pagemap_pmd_range() / pagemap_pte_hole().
    private readonly struct TableWalk(MmStruct mm, Vma vma, PagemapRuns runs) : IPageWalkOps
    {
        public WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction Hole(in Slot slot, ulong start, ulong end)
        {
            runs.Add(PagemapFlags.None, (end - start) >> mm.System.PageShift);
            return WalkAction.Continue;
        }

        // Every base page of a PMD leaf reads alike where the leaf's first subpage decides (HugePmdPagemap): the whole leaf is one step.
        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            var system = mm.System;
            var walk = new WalkResult(slot, entry);
            if (HugePmd.IsLeaf(vma, walk) && HugePmdPagemap.Uniform(system))
                runs.Add(FlagsOf(mm, vma, walk, start), (end - start) >> system.PageShift, PfnOf(mm, walk, start));
            else
                for (ulong address = start; address < end; address += system.PageSize)
                    runs.Add(FlagsOf(mm, vma, walk, address), 1, PfnOf(mm, walk, address));
            return WalkAction.Continue;
        }

        public WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) => Hole(slot, start, end);

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = mm.System;
            system.Deadline.Check();
            var slot = first;
            for (ulong address = start; address < end; address += system.PageSize, slot = slot.Next())
            {
                var walk = new WalkResult(slot, mm.Tables.Get(slot));
                runs.Add(FlagsOf(mm, vma, walk, address), 1, PfnOf(mm, walk, address));
            }
            return WalkAction.Continue;
        }
    }

    /// <summary>One huge page at a time: all its base pages read alike.</summary>
    /// Kernel: pagemap_hugetlb_range() / pagemap_pte_hole().
    private readonly struct HugetlbWalk(MmStruct mm, PagemapRuns runs) : IHugetlbWalkOps
    {
        public WalkAction Entry(in HugePte pte, ulong start, ulong end)
        {
            var system = mm.System;
            system.Deadline.Check();
            var entry = HugePteOps.Get(mm.Tables, pte);
            ulong pfn = entry.Kind == EntryKind.Page ? entry.Frame + ((start & (pte.Size.Size - 1)) >> system.PageShift) : 0;
            runs.Add(HugetlbPagemap.FlagsOf(mm, entry), (end - start) >> system.PageShift, pfn);
            return WalkAction.Continue;
        }

        public WalkAction Hole(ulong start, ulong end)
        {
            runs.Add(PagemapFlags.None, (end - start) >> mm.System.PageShift);
            return WalkAction.Continue;
        }
    }

    /// <summary>The frame mapped at <paramref name="address"/> (0 for none): the PFN field of the entry.</summary>
    private static ulong PfnOf(MmStruct mm, in WalkResult walk, ulong address)
    {
        var entry = walk.Entry;
        if (entry.Kind != EntryKind.Page)
            return 0;
        ulong span = mm.System.Geometry[walk.Level].EntrySpan;
        return entry.Frame + ((address & (span - 1)) >> mm.System.PageShift);
    }

    private static PagemapFlags FlagsOf(MmStruct mm, Vma vma, in WalkResult walk, ulong address)
    {
        var system = mm.System;
        var entry = walk.Entry;
        switch (entry.Kind)
        {
            case EntryKind.Page:
            {
                var flags = PagemapFlags.Present;
                ulong span = system.Geometry[walk.Level].EntrySpan;
                ulong pfn = entry.Frame + ((address & (span - 1)) >> system.PageShift);
                if (system.Zero.IsZero(pfn))
                    flags |= PagemapFlags.Zero;
                else if (HugePmd.IsLeaf(vma, walk))
                    flags |= HugePmdPagemap.Flags(system, entry, pfn);
                else if (!entry.Has(EntryFlags.Special))
                {
                    ref var d = ref system.Memory[pfn];
                    if (!Folios.IsAnon(system, pfn))
                        flags |= PagemapFlags.File;
                    if (d.MapCount == 1)
                        flags |= PagemapFlags.Exclusive;
                }
                if (entry.Has(EntryFlags.UffdWp))
                    flags |= PagemapFlags.Wp;
                return flags;
            }
            case EntryKind.Swap:
            {
                var flags = PagemapFlags.Swap;
                if (entry.Has(EntryFlags.UffdWp) || PteMarker.IsUffdWp(entry))
                    flags |= PagemapFlags.Wp;
                return flags;
            }
            default:
                return PagemapFlags.None;
        }
    }
}
