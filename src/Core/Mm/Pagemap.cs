using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>What /proc/PID/pagemap reports for each base page of a range.</summary>
/// Kernel: pagemap_pmd_range() / pte_to_pagemap_entry() / pagemap_pte_hole() (fs/proc/task_mmu.c).
public static class Pagemap
{
    public static PagemapFlags[] Read(MmStruct mm, ulong start, ulong length)
    {
        var system = mm.System;
        ulong pages = length >> system.PageShift;
        var result = new PagemapFlags[pages];
        for (ulong i = 0; i < pages; i++)
        {
            ulong address = start + (i << system.PageShift);
            var vma = mm.Vmas.Find(address);
            if (vma is null)
                continue;
            if (vma.IsHugetlb)
            {
                result[i] = HugetlbPagemap.FlagsOf(mm, vma, address);
                continue;
            }
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: false);
            result[i] = walk.Level == PageLevel.Pte || walk.Entry.Kind != EntryKind.None
                ? FlagsOf(mm, vma, walk, address)
                : PagemapFlags.None;
        }
        return result;
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
                    flags |= HugePmdPagemap.Flags(system, entry);
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
