namespace Pluggable.Core.Mm;

/// <summary>
/// Where a new mapping goes: the next free address, above everything mapped before (so scenario
/// addresses are the same on every run and on the live kernel's backend, which places mappings the
/// same way); when that runs past the top of a small address space (Sv39's 256 GiB, the 8xx's 2
/// GiB), the lowest hole left by unmapped ones, as the kernel's search would find it. Every placement
/// leaves a PMD of nothing after the mapping, so that neighbours never share a PMD table.
/// </summary>
/// Kernel: get_unmapped_area() -> vm_unmapped_area() (the hole search of mm/mmap.c).
internal static class UnmappedArea
{
    /// <param name="align">The start's alignment (a power of two).</param>
    /// <param name="after">What the address after the mapping and its guard is rounded up to, for the next placement.</param>
    /// <param name="nextFree">What <see cref="MmStruct.NextFree"/> becomes once the caller has used the place
    /// (mmap only when it succeeds: a failed mmap takes no address, as on the kernel).</param>
    public static bool TryFind(MmStruct mm, ulong size, ulong align, ulong after, out ulong start, out ulong nextFree)
    {
        var geo = mm.System.Geometry;
        ulong guard = geo.PmdSize;
        nextFree = mm.NextFree;
        start = AlignUp(mm.NextFree, align);
        if (Fits(start, size, guard, geo.TaskSize) && start >= mm.NextFree)
        {
            nextFree = AlignUp(start + size + guard, after);
            return true;
        }
        ulong low = mm.System.MapBase;
        for (var vma = mm.Vmas.FindFrom(low); ; vma = mm.Vmas.FindFrom(vma.End))
        {
            start = AlignUp(low, align);
            ulong limit = vma?.Start ?? geo.TaskSize;
            if (start >= low && Fits(start, size, guard, limit) && AlignUp(start + size + guard, after) <= limit)
                return true;
            if (vma is null)
                return false;
            // What follows a hugetlb mapping starts past its span, as the next placement would.
            low = Math.Max(low, AlignUp(vma.End + guard, Alignment(mm.System, vma)));
        }
    }

    /// <summary>
    /// Where <paramref name="vma"/>'s kind of mapping starts and what follows it is rounded to: a
    /// PMD, or a hugetlb mapping's span (a hugepd slot holds no normal table).
    /// </summary>
    /// Kernel: hugetlb_get_unmapped_area(); arch/powerpc/mm/book3s64/slice.c.
    public static ulong Alignment(MemorySystem system, Vma vma) =>
        vma.IsHugetlb ? Math.Max(system.Geometry.PmdSize, HugetlbMapping.Alignment(system, vma.File!)) : system.Geometry.PmdSize;

    private static bool Fits(ulong start, ulong size, ulong guard, ulong limit) =>
        start <= limit && limit - start >= size && limit - start - size >= guard;

    private static ulong AlignUp(ulong value, ulong align) => (value + align - 1) & ~(align - 1);
}
