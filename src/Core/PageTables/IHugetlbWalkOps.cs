namespace Pluggable.Core.PageTables;

/// <summary>What a caller of <see cref="PageWalk.Hugetlb{TOps}"/> does with each huge page of a range and with the holes between.</summary>
/// Kernel: the hugetlb_entry and pte_hole members of struct mm_walk_ops.
public interface IHugetlbWalkOps
{
    /// <summary>The entries of the huge page mapping [start, end) of the walk (a leaf, a run, or a hugepte).</summary>
    /// Kernel: hugetlb_entry.
    WalkAction Entry(in HugePte pte, ulong start, ulong end);

    /// <summary>
    /// No table reaches [start, end): Continue goes past all of it; Install creates the place of the
    /// huge page at <paramref name="start"/> (huge_pte_alloc) and hands it to <see cref="Entry"/>.
    /// </summary>
    /// Kernel: pte_hole, or huge_pte_alloc() in the walks that install (hugetlb_change_protection() with markers).
    WalkAction Hole(ulong start, ulong end);
}
