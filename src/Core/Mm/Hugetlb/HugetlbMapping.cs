namespace Pluggable.Core.Mm;

/// <summary>What mmap of a hugetlbfs file checks and reserves before the VMA exists.</summary>
/// Kernel: hugetlbfs_file_mmap() (fs/hugetlbfs/inode.c).
public static class HugetlbMapping
{
    /// <summary>
    /// Where a hugetlb mapping may start, and the span nothing else may share: the huge page, or
    /// for a hugepd the whole directory slot it occupies, since a slot holds either a hugepd or a
    /// table (PowerPC keeps such areas apart with its slices).
    /// </summary>
    /// Kernel: hugetlb_get_unmapped_area(); arch/powerpc/mm/book3s64/slice.c.
    public static ulong Alignment(MemorySystem system, MemoryFile file)
    {
        var size = Hugetlb.PoolOf(system, file).Size;
        return size.Placement == Arch.HugePlacement.HugePd ? Math.Max(size.Size, system.Geometry[size.Level].EntrySpan) : size.Size;
    }

    /// <summary>
    /// The offset must be huge-aligned (EINVAL); the mapped huge pages are reserved (ENOMEM when the
    /// pool cannot promise them); a writable mapping grows the file to cover it.
    /// </summary>
    public static Errno Prepare(MemorySystem system, MemoryFile file, ulong offset, ulong size, bool shared, Protection prot, out HugetlbResvMap? privateMap)
    {
        privateMap = null;
        int shift = file.HugeShift;
        if ((offset & ((1UL << shift) - 1)) != 0)
            return Errno.EINVAL;
        var pool = Hugetlb.PoolOf(system, file);
        ulong first = offset >> shift, last = (offset + size) >> shift;
        var error = HugetlbReserve.ForMapping(pool, file, shared, first, last, out privateMap);
        if (error != Errno.None)
            return error;
        if (prot.HasFlag(Protection.Write) && file.Size < offset + size)
            file.Size = offset + size;
        return Errno.None;
    }
}
