using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>hugetlbfs files: creation with a size, hole punching, and the end of the inode.</summary>
/// Kernel: hugetlb_file_setup()/memfd_create(MFD_HUGETLB), hugetlbfs_setattr(), hugetlbfs_punch_hole(),
/// hugetlbfs_evict_inode() (fs/hugetlbfs/inode.c).
public static class HugetlbFile
{
    /// <summary>
    /// A memfd of the default huge page size truncated to <paramref name="size"/>: EINVAL without
    /// huge pages, or when the size is not a multiple of the huge page.
    /// </summary>
    /// <param name="pageSize">The huge page size (memfd_create's MFD_HUGE_*), 0 for the default one.</param>
    public static Errno Create(MemorySystem system, string name, ulong size, ulong pageSize, out MemoryFile? file)
    {
        file = null;
        var huge = pageSize == 0 ? system.Arch.DefaultHugePage : system.Arch.HugePageSizes.FirstOrDefault(h => h.Size == pageSize);
        // Kernel: hugetlb_file_setup() — no hstate of the size asked for.
        if (pageSize != 0 && huge is null)
            return Errno.ENODEV;
        if (huge is null || system.Hugetlb.ForShift(huge.Shift) is null)
            return Errno.EINVAL;
        if ((size & (huge.Size - 1)) != 0)
            return Errno.EINVAL;
        file = system.CreateFile(name, size, hugetlb: true, hugeShift: huge.Shift);
        return Errno.None;
    }

    /// <summary>
    /// Drops the whole huge pages inside [offset, offset + length) of the file: unmaps them from every
    /// address space, forgets their reservations (the indices without a page keep theirs) and
    /// returns them to the pool. Partial huge pages at the edges are zeroed in place.
    /// </summary>
    /// Kernel: hugetlbfs_punch_hole() -> hugetlb_vmdelete_list() + remove_inode_hugepages().
    public static void PunchHole(MemorySystem system, MemoryFile file, ulong offset, ulong length)
    {
        int shift = file.HugeShift;
        ulong hsize = 1UL << shift;
        ulong holeStart = (offset + hsize - 1) & ~(hsize - 1);
        ulong holeEnd = (offset + length) & ~(hsize - 1);
        if (holeStart > holeEnd)
        {
            ZeroPartial(system, file, offset, offset + length);
            return;
        }
        ZeroPartial(system, file, offset, holeStart);
        ZeroPartial(system, file, holeEnd, offset + length);
        if (holeEnd == holeStart)
            return;
        ulong first = holeStart >> shift, last = holeEnd >> shift;
        UnmapEverywhere(system, file, first, last);
        HugetlbReserve.ForgetPunched(file, first, last);
        for (ulong index = first; index < last; index++)
            RemovePage(system, file, index);
    }

    /// <summary>Gives back every reservation the file still holds; its pages leave with the cache.</summary>
    /// Kernel: hugetlbfs_evict_inode() -> remove_inode_hugepages() + resv_map_release().
    public static void Evict(MemorySystem system, MemoryFile file)
    {
        if (file.HugeResv is not { } map)
            return;
        var pool = Hugetlb.PoolOf(system, file);
        foreach (var index in map.Drain())
            if (file.Cache.Lookup(index) == 0)
                pool.Unreserve(1);
    }

    /// <summary>
    /// Adds a fresh page to the file's cache, which keeps the allocation's reference; the page now
    /// stands for the reservation it may have used.
    /// </summary>
    /// Kernel: hugetlb_add_to_page_cache().
    public static void AddToCache(MemorySystem system, MemoryFile file, ulong index, ulong pfn)
    {
        ref var d = ref system.Memory[pfn];
        d.Flags = (d.Flags | PageFlags.PageCache) & ~PageFlags.HugetlbRestoreReserve;
        d.Owner = file.Id;
        d.Index = index;
        file.Cache.Store(index, pfn);
    }

    private static void RemovePage(MemorySystem system, MemoryFile file, ulong index)
    {
        ulong pfn = file.Cache.Lookup(index);
        if (pfn == 0)
            return;
        file.Cache.Store(index, 0);
        system.Memory[pfn].Flags &= ~PageFlags.PageCache;
        Folios.Put(system, pfn);
    }

    /// <summary>Kernel: hugetlbfs_zero_partial_page().</summary>
    private static void ZeroPartial(MemorySystem system, MemoryFile file, ulong start, ulong end)
    {
        if (end <= start)
            return;
        ulong pfn = file.Cache.Lookup(start >> file.HugeShift);
        if (pfn == 0)
            return;
        int within = (int)(start & ((1UL << file.HugeShift) - 1));
        system.Memory.Data(pfn, file.HugeShift - system.PageShift).Slice(within, (int)(end - start)).Clear();
    }

    /// <summary>Kernel: hugetlb_vmdelete_list() — every VMA of every address space mapping [first, last).</summary>
    private static void UnmapEverywhere(MemorySystem system, MemoryFile file, ulong first, ulong last)
    {
        int perHuge = file.HugeShift - system.PageShift;
        foreach (var (mm, vma, start, end) in FileMappings.Of(system, file, first << perHuge, last << perHuge))
            HugetlbUnmap.Range(mm, vma, start, end, ZapMode.MappingRange);
    }
}
