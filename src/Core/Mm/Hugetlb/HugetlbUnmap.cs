using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>Unmapping huge pages: zap a range of a hugetlb VMA, and MADV_DONTNEED's huge rounding.</summary>
/// Kernel: __unmap_hugepage_range(), madvise_dontneed_free_valid_vma() (mm/hugetlb.c, mm/madvise.c).
public static class HugetlbUnmap
{
    /// <summary>
    /// Zaps [start, end) of a hugetlb VMA. When a private mapping that owns its reservations drops
    /// an anonymous page, the reservation comes back (Linux 6.10 and later): the page is marked to
    /// restore it when freed and the index is no longer counted as used, so that it can be faulted
    /// in again. Linux 6.18 does so even while a fork child still maps the page (6.12 waits for the
    /// last unmap): the pool's count rises when the child lets the page go, and closing the owner
    /// meanwhile takes it below zero for that while (HugePages_Rsvd read 2^63-1 live). Nothing
    /// comes back while the pool has surplus pages.
    /// </summary>
    /// <param name="mode">
    /// Unless the VMA goes away (ZAP_FLAG_DROP_MARKER), a uffd-wp marker is left where a protected
    /// entry of a WP-registered VMA goes; poison markers always go with a hugetlb zap.
    /// </param>
    public static void Range(MmStruct mm, Vma vma, ulong start, ulong end, ZapMode mode)
    {
        var pool = Hugetlb.PoolOf(mm.System, vma);
        var walk = new UnmapWalk(mm, vma, pool, keepWp: mode != ZapMode.Unmap && vma.Has(VmFlags.UffdWp));
        PageWalk.Hugetlb(mm.Tables, pool.Size, start, end, ref walk);
        if (walk.Flushed)
            mm.System.Ops.FlushTlbRange(start, end, pool.Size.Shift);
    }

    private struct UnmapWalk(MmStruct mm, Vma vma, HugetlbPool pool, bool keepWp) : IHugetlbWalkOps
    {
        public bool Flushed;

        public WalkAction Entry(in HugePte pte, ulong start, ulong end)
        {
            var system = mm.System;
            var entry = HugePteOps.Get(mm.Tables, pte);
            if (entry.IsNone || (keepWp && PteMarker.IsUffdWp(entry)))
                return WalkAction.Continue;
            var old = HugePteOps.Clear(mm.Tables, pte, start);
            if (old.Kind != EntryKind.Page)
                return WalkAction.Continue;
            Flushed = true;
            if (keepWp && old.Has(EntryFlags.UffdWp))
                HugePteOps.Set(mm.Tables, pte, start, PteMarker.Make(PteMarker.UffdWp));
            if (old.Has(EntryFlags.Dirty))
                system.Memory[old.Frame].Flags |= Physical.PageFlags.Dirty;
            // Not while the pool holds surplus pages: the page goes back to the machine then, and a
            // reservation restored without a page would be one the pool cannot keep.
            if (!vma.IsShared && vma.HugetlbResv is { } map && HugetlbFolios.IsAnon(system, old.Frame)
                && pool.SurplusHugepages == 0 && system.Kernel.ZapRestoresHugetlbReservation
                && (system.Kernel.ZapRestoresSharedHugetlbReservation || system.Memory[old.Frame].MapCount == 1))
            {
                system.Memory[old.Frame].Flags |= Physical.PageFlags.HugetlbRestoreReserve;
                map.Remove(Hugetlb.HugeIndex(system, vma, start));
            }
            HugetlbFolios.Unmap(system, old.Frame);
            return WalkAction.Continue;
        }

        public readonly WalkAction Hole(ulong start, ulong end) => WalkAction.Continue;
    }

    /// <summary>
    /// MADV_DONTNEED on a hugetlb VMA: the start must be huge-aligned (EINVAL), the end is rounded
    /// down so that no huge page is dropped that the caller did not fully name.
    /// </summary>
    public static Errno DontNeed(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        if (!Hugetlb.IsAligned(vma, start))
            return Errno.EINVAL;
        ulong hsize = 1UL << vma.File!.HugeShift;
        end &= ~(hsize - 1);
        if (end > start)
            Range(mm, vma, start, end, ZapMode.DontNeed);
        return Errno.None;
    }
}
