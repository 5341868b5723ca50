using Pluggable.Core.Arch;
using Pluggable.Core.Mm;

namespace Pluggable.Core.Gup;

/// <summary>
/// The lockless walk: takes pages only where the entry already allows the access, and stops at
/// the first entry that would need the slow path (empty, special, read-only for a write, or a
/// read-only pin that must unshare).
/// </summary>
/// Kernel: gup_fast() -> gup_fast_pgd_range() ... gup_fast_pte_range() / gup_fast_pmd_leaf().
public static class GupFast
{
    public static void Walk(MmStruct mm, ulong start, ulong count, GupFlags flags, PageRuns pages)
    {
        var system = mm.System;
        bool write = (flags & GupFlags.Write) != 0;
        while (pages.Count < count)
        {
            ulong address = start + ((ulong)pages.Count << system.PageShift);
            var leaf = mm.Tables.WalkLeaf(address);
            var entry = leaf.Entry;
            if (entry.Kind != EntryKind.Page || !system.Arch.AccessPermitted(entry, write) || entry.Has(EntryFlags.Special))
                return;
            ulong pfn = leaf.PfnOf(address, system.PageShift);
            if (system.Zero.IsZero(pfn))
                return;
            var vma = mm.Vmas.Find(address);
            if (vma is null || (!entry.Has(EntryFlags.Write) && FollowPage.MustUnshare(system, vma, flags, pfn)))
                return;
            ulong span = 1UL << leaf.Shift;
            ulong run = Math.Min(count - pages.Count, (span - (address & (span - 1))) >> system.PageShift);
            for (ulong i = 0; i < run; i++)
            {
                PinCounting.Grab(system, pfn + i, flags);
                pages.Add(pfn + i);
            }
        }
    }
}
