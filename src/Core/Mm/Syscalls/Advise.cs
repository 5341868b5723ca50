using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>madvise: dropping pages, punching holes in shmem, THP hints.</summary>
/// Kernel: do_madvise(), madvise_dontneed_single_vma(), madvise_remove() -> shmem_fallocate(PUNCH_HOLE), hugepage_madvise().
public static class Advise
{
    /// <summary>Checks the range as madvise does before anything happens.</summary>
    public static Errno Validate(MmStruct mm, ulong start, ulong length, out ulong end)
    {
        var geo = mm.System.Geometry;
        end = 0;
        if ((start & (geo.PageSize - 1)) != 0)
            return Errno.EINVAL;
        ulong len = (length + geo.PageSize - 1) & geo.PageMask;
        if (len < length)
            return Errno.EINVAL;
        end = start + len;
        if (end < start)
            return Errno.EINVAL;
        return Errno.None;
    }

    /// <summary>
    /// Applies a non-blocking advice VMA by VMA from the start of the range: an error stops the walk
    /// with the VMAs before it done; holes are skipped and answered ENOMEM at the end.
    /// </summary>
    /// Kernel: madvise_walk_vmas() -> madvise_vma_behavior().
    public static Errno Apply(MmStruct mm, ulong start, ulong end, Advice advice)
    {
        var unmapped = Errno.None;
        ulong cursor = start;
        var vma = mm.Vmas.FindFrom(cursor);
        while (true)
        {
            if (vma is null)
                return Errno.ENOMEM;
            if (cursor < vma.Start)
            {
                unmapped = Errno.ENOMEM;
                cursor = vma.Start;
                if (cursor >= end)
                    break;
            }
            ulong to = Math.Min(vma.End, end);
            var error = advice is Advice.HugePage or Advice.NoHugePage
                ? SetHugeFlags(mm, vma, cursor, to, advice == Advice.HugePage, out vma)
                : ApplyToVma(mm, vma, cursor, to, advice);
            if (error != Errno.None)
                return error;
            cursor = Math.Max(to, vma.End);
            if (cursor >= end)
                break;
            vma = mm.Vmas.FindFrom(vma.End);
        }
        return unmapped;
    }

    /// <summary>Applies a non-blocking advice to [start, end) of one VMA. Kernel: madvise_vma_behavior().</summary>
    public static Errno ApplyToVma(MmStruct mm, Vma vma, ulong start, ulong end, Advice advice) => advice switch
    {
        Advice.DontNeed => DontNeed(mm, vma, start, end),
        Advice.Remove => Remove(mm, vma, start, end),
        Advice.PageOut => PageOut(mm, vma, start, end),
        _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, "populate, collapse and the THP hints are not applied here"),
    };

    /// <summary>
    /// Reclaim of the pages mapped in [start, end), as it goes with no swap device: hugetlb and
    /// locked VMAs are refused; anonymous pages (copy-on-write copies included) have nowhere to
    /// go and stay; a page mapped more than once is left alone. A shmem page mapped only here is
    /// unmapped; if it was never written (clean) it also leaves the page cache, so the file has a
    /// hole there again, while a dirty one stays cached for lack of swap. The kernel skips pages
    /// that are not on an LRU list yet (still in a per-CPU batch), so on the live kernel a page
    /// faulted in just before may survive; this models the settled case. Large anonymous folios
    /// are split (<see cref="AnonPageOut"/>); large shmem folios stay.
    /// </summary>
    /// Kernel: madvise_pageout() -> madvise_cold_or_pageout_pte_range() (folio_maybe_mapped_shared()),
    /// reclaim_pages() -> shrink_folio_list() (try_to_unmap(), pageout() -> shmem writeout without
    /// swap -> redirty, __remove_mapping() for a clean folio).
    private static Errno PageOut(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        if (vma.IsHugetlb || vma.Has(VmFlags.Locked))
            return Errno.EINVAL;
        AnonPageOut.SplitLargeFolios(mm, vma, start, end);
        if (vma.File is not { } file)
            return Errno.None;
        var walk = new FilePageOutWalk(mm, vma, file);
        PageWalk.Range(mm.Tables, start, end, ref walk);
        return Errno.None;
    }

    /// <summary>Kernel: madvise_cold_or_pageout_pte_range() (cold_walk_ops) and reclaim of the shmem pages it isolates.</summary>
    private readonly struct FilePageOutWalk(MmStruct mm, Vma vma, MemoryFile file) : IPageWalkOps
    {
        public WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction Hole(in Slot slot, ulong start, ulong end) => WalkAction.Continue;

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = mm.System;
            var slot = first;
            for (ulong a = start; a < end; a += system.PageSize, slot = slot.Next())
            {
                var entry = mm.Tables.Get(slot);
                if (entry.Kind != EntryKind.Page || entry.Has(EntryFlags.Special) || system.Zero.IsZero(entry.Frame))
                    continue;
                ulong pfn = entry.Frame;
                ref var page = ref system.Memory[pfn];
                if ((page.Flags & PageFlags.PageCache) == 0 || page.Order != 0 || system.Memory.HeadOf(pfn) != pfn || page.MapCount > 1)
                    continue;
                Zap.Range(mm, vma, a, a + system.PageSize, ZapMode.MappingRange);
                if ((page.Flags & PageFlags.Dirty) != 0 || page.MapCount != 0 || page.RefCount != 1)
                    continue;
                file.Cache.Store(page.Index, 0);
                page.Flags &= ~PageFlags.PageCache;
                Folios.Put(system, pfn);
            }
            return WalkAction.Continue;
        }
    }

    /// <summary>
    /// The checks a zapping advice makes on a VMA before the REMOVE event. DONTNEED on hugetlb
    /// starts on a huge page boundary and drops whole huge pages only: <paramref name="end"/> is
    /// rounded down, and a range left empty ends this VMA's part with no event and nothing done.
    /// </summary>
    /// Kernel: madvise_dontneed_free_valid_vma() + the start == end return of madvise_dontneed_free(), madvise_remove().
    public static Errno CheckZapVma(Vma vma, Advice advice, ulong start, ref ulong end)
    {
        if (vma.IsHugetlb && advice == Advice.DontNeed)
        {
            if (!Hugetlb.IsAligned(vma, start))
                return Errno.EINVAL;
            end &= ~((1UL << vma.File!.HugeShift) - 1);
            return Errno.None;
        }
        if (vma.Has(VmFlags.Locked))
            return Errno.EINVAL;
        if (advice != Advice.Remove)
            return Errno.None;
        if (vma.File is null)
            return Errno.EINVAL;
        return vma.IsShared && vma.Has(VmFlags.MayWrite) ? Errno.None : Errno.EACCES;
    }

    /// <summary>Kernel: madvise_dontneed_single_vma() — VM_LOCKED/VM_PFNMAP refused.</summary>
    private static Errno DontNeed(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        if (vma.IsHugetlb)
            return HugetlbUnmap.DontNeed(mm, vma, start, end);
        if (vma.Has(VmFlags.Locked))
            return Errno.EINVAL;
        Zap.Range(mm, vma, start, end, ZapMode.DontNeed);
        return Errno.None;
    }

    /// <summary>Kernel: madvise_remove() — only shared writable file mappings; punches the file range.</summary>
    private static Errno Remove(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        if (vma.Has(VmFlags.Locked) || vma.File is null)
            return Errno.EINVAL;
        if (!vma.IsShared || !vma.Has(VmFlags.MayWrite))
            return Errno.EACCES;
        PunchFile(mm.System, vma.File, FileOffset(mm, vma, start), end - start);
        return Errno.None;
    }

    /// <summary>The byte offset in the VMA's file of <paramref name="address"/>.</summary>
    public static ulong FileOffset(MmStruct mm, Vma vma, ulong address) =>
        vma.FileIndex(address, mm.System.PageShift) << mm.System.PageShift;

    /// <summary>
    /// Punches [offset, offset + length) of a file, whoever maps it now: MADV_REMOVE works on the
    /// file it found before it slept on its REMOVE event, even if the range was moved or unmapped
    /// meanwhile.
    /// </summary>
    /// Kernel: the vfs_fallocate(FALLOC_FL_PUNCH_HOLE) of madvise_remove() -> shmem_fallocate() / hugetlbfs_fallocate().
    public static void PunchFile(MemorySystem system, MemoryFile file, ulong offset, ulong length)
    {
        if (file.Hugetlb)
            HugetlbFile.PunchHole(system, file, offset, length);
        else
            PunchHole(system, file, offset >> system.PageShift, (offset + length) >> system.PageShift);
    }

    /// <summary>
    /// Unmaps [first, last) of the file from every address space, then drops the pages from the cache.
    /// A large folio (a collapsed block) the range covers only in part stays whole, its covered pages
    /// zeroed, as when the kernel cannot split it; a split would drop them instead, which leaves the
    /// same contents and the same mappings, so the split is not modelled.
    /// </summary>
    /// Kernel: shmem_fallocate(FALLOC_FL_PUNCH_HOLE) -> unmap_mapping_range() + shmem_truncate_range()
    /// -> shmem_undo_range() -> truncate_inode_partial_folio() (folio_zero_range(), split_folio()).
    public static void PunchHole(MemorySystem system, MemoryFile file, ulong first, ulong last)
    {
        PunchMappings(system, file, first, last);
        foreach (var (index, pfn) in file.Cache.EntriesIn(first, last).ToArray())
        {
            ref var head = ref system.Memory[system.Memory.HeadOf(pfn)];
            if (head.Index < first || head.Index + (1UL << head.Order) > last)
            {
                system.Memory.Data(pfn).Clear();
                continue;
            }
            file.Cache.Store(index, 0);
            system.Memory[pfn].Flags &= ~Physical.PageFlags.PageCache;
            Folios.Put(system, pfn);
        }
    }

    /// <summary>Unmaps the file's pages [first, last) from every address space; the cache keeps them.</summary>
    /// Kernel: unmap_mapping_range().
    public static void PunchMappings(MemorySystem system, MemoryFile file, ulong first, ulong last)
    {
        foreach (var (mm, vma, start, end) in FileMappings.Of(system, file, first, last))
            Zap.Range(mm, vma, start, end, ZapMode.MappingRange);
    }

    /// <summary>
    /// The THP hint on [start, end) of one VMA: the new flags, with the split and merge that go with
    /// them; a VMA that has them already is left alone. <paramref name="after"/> is the VMA the walk
    /// goes on from.
    /// </summary>
    /// Kernel: hugepage_madvise() through madvise_update_vma() -> vma_modify_flags_name().
    private static Errno SetHugeFlags(MmStruct mm, Vma vma, ulong start, ulong end, bool huge, out Vma after)
    {
        after = vma;
        var flags = huge
            ? (vma.Flags | VmFlags.HugePage) & ~VmFlags.NoHugePage
            : (vma.Flags | VmFlags.NoHugePage) & ~VmFlags.HugePage;
        if (flags == vma.Flags)
            return Errno.None;
        return VmaModify.Apply(mm, vma, start, end, part => part.Flags = flags, out after);
    }
}
