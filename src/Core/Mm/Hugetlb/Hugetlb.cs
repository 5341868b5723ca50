namespace Pluggable.Core.Mm;

/// <summary>Small facts about a hugetlb VMA: its pool and the huge-page file index of an address.</summary>
/// Kernel: hstate_vma(), vma_hugecache_offset(), huge_page_size() (include/linux/hugetlb.h).
public static class Hugetlb
{
    /// <summary>The pool of the VMA's page size; hugetlb files only exist for declared sizes.</summary>
    public static HugetlbPool PoolOf(MemorySystem system, Vma vma) => PoolOf(system, vma.File!);

    public static HugetlbPool PoolOf(MemorySystem system, MemoryFile file) =>
        system.Hugetlb.ForShift(file.HugeShift)
        ?? throw new InvalidOperationException($"BUG: hugetlb file {file.Name} has no pool of shift {file.HugeShift}");

    /// <summary>The huge-page index in the file of <paramref name="address"/>.</summary>
    public static ulong HugeIndex(MemorySystem system, Vma vma, ulong address) =>
        vma.FileIndex(address, system.PageShift) >> (vma.File!.HugeShift - system.PageShift);

    /// <summary>Huge pages of the file below its size (i_size &gt;&gt; huge_page_shift).</summary>
    public static ulong HugePagesInFile(MemoryFile file) => file.Size >> file.HugeShift;

    public static bool IsAligned(Vma vma, ulong address) => (address & ((1UL << vma.File!.HugeShift) - 1)) == 0;
}
