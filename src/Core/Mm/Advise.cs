
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
    /// Applies a non-blocking advice to every VMA part of [start, end); ENOMEM when part of the range
    /// was unmapped (after applying to the rest, as the kernel does).
    /// </summary>
    public static Errno Apply(MmStruct mm, ulong start, ulong end, Advice advice)
    {
        var vmas = mm.Vmas.Intersecting(start, end);
        if (vmas.Count == 0)
            return Errno.ENOMEM;
        bool hole = vmas[0].Start > start || vmas[^1].End < end;
        for (int i = 1; i < vmas.Count; i++)
            hole |= vmas[i - 1].End < vmas[i].Start;
        foreach (var vma in vmas)
        {
            var error = ApplyToVma(mm, vma, Math.Max(start, vma.Start), Math.Min(end, vma.End), advice);
            if (error != Errno.None)
                return error;
        }
        if (advice is Advice.HugePage or Advice.NoHugePage)
        {
            var split = SetHugeFlags(mm, start, end, advice == Advice.HugePage);
            if (split != Errno.None)
                return split;
        }
        return hole ? Errno.ENOMEM : Errno.None;
    }

    /// <summary>Applies a non-blocking advice to [start, end) of one VMA. Kernel: madvise_vma_behavior().</summary>
    public static Errno ApplyToVma(MmStruct mm, Vma vma, ulong start, ulong end, Advice advice) => advice switch
    {
        Advice.DontNeed => DontNeed(mm, vma, start, end),
        Advice.Remove => Remove(mm, vma, start, end),
        Advice.HugePage or Advice.NoHugePage => Errno.None,
        Advice.PageOut => PageOut(vma),
        _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, "populate and collapse are not applied here"),
    };

    /// <summary>
    /// Kernel: madvise_pageout() — hugetlb, locked and PFN-mapped VMAs are refused
    /// (can_madv_lru_vma()); otherwise reclaim is asked, which without a swap device leaves every
    /// anonymous and shmem page where it is.
    /// </summary>
    private static Errno PageOut(Vma vma) => vma.IsHugetlb || vma.Has(VmFlags.Locked) ? Errno.EINVAL : Errno.None;

    /// <summary>The checks a zapping advice makes on a VMA before the REMOVE event. Kernel: madvise_dontneed_free_valid_vma(), madvise_remove().</summary>
    public static Errno CheckZapVma(Vma vma, Advice advice)
    {
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
        int shift = mm.System.PageShift;
        if (vma.IsHugetlb)
            HugetlbFile.PunchHole(mm.System, vma.File, vma.FileIndex(start, shift) << shift, end - start);
        else
            PunchHole(mm.System, vma.File, vma.FileIndex(start, shift), vma.FileIndex(end, shift));
        return Errno.None;
    }

    /// <summary>
    /// Unmaps [first, last) of the file from every address space, then drops the pages from the cache.
    /// </summary>
    /// Kernel: shmem_fallocate(FALLOC_FL_PUNCH_HOLE) -> unmap_mapping_range() + shmem_truncate_range().
    public static void PunchHole(MemorySystem system, MemoryFile file, ulong first, ulong last)
    {
        PunchMappings(system, file, first, last);
        foreach (var (index, pfn) in file.Cache.EntriesIn(first, last).ToArray())
        {
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

    /// <summary>Kernel: hugepage_madvise() through madvise_update_vma() (split, set, merge).</summary>
    private static Errno SetHugeFlags(MmStruct mm, ulong start, ulong end, bool huge)
    {
        int shift = mm.System.PageShift;
        var split = VmaSplit.SplitRange(mm, start, end);
        if (split != Errno.None)
            return split;
        foreach (var vma in mm.Vmas.Intersecting(start, end))
        {
            vma.Flags = huge
                ? (vma.Flags | VmFlags.HugePage) & ~VmFlags.NoHugePage
                : (vma.Flags | VmFlags.NoHugePage) & ~VmFlags.HugePage;
        }
        mm.Vmas.MergeAround(start, end, shift);
        return Errno.None;
    }
}
