using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// What a caller of <see cref="PageWalk.Range{TOps}"/> does at each kind of entry. Implemented by a
/// struct passed by reference, so that a walk allocates nothing and its state (a TLB gather, a
/// count) lives in the struct. Every range passed is inside the walk's range and inside the one
/// entry it names.
/// </summary>
/// Kernel: struct mm_walk_ops (include/linux/pagewalk.h).
public interface IPageWalkOps
{
    /// <summary>
    /// An entry above the lowest level that points to a table covering [start, end), before the
    /// walk goes into it: Continue goes in, Stop ends the walk.
    /// </summary>
    /// Kernel: pgd_entry / p4d_entry / pud_entry / pmd_entry.
    WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry);

    /// <summary>
    /// An empty entry above the lowest level: nothing in [start, end) is mapped. Continue goes past
    /// it; Install creates its table and goes in (as a walk that installs entries does).
    /// </summary>
    /// Kernel: pte_hole, or __pte_alloc() in a walk with install_pte.
    WalkAction Hole(in Slot slot, ulong start, ulong end);

    /// <summary>
    /// A leaf above the lowest level covering [start, end) of the walk: present (a transparent huge
    /// PMD, a hugetlb block) or not (a hugetlb page's marker or swap entry in its leaf slot). Again
    /// when the callback split it: the walk reads the slot again.
    /// </summary>
    /// Kernel: pmd_entry / pud_entry on a pmd_leaf() / pud_leaf() or is_swap_pmd() entry, with ACTION_AGAIN after a split.
    WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry);

    /// <summary>A hugepd: a table of huge entries standing where a table would (<see cref="HugePdTable"/> finds them).</summary>
    /// Kernel: walk_hugepd_range() (mm/pagewalk.c up to 6.10).
    WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry);

    /// <summary>
    /// [start, end) of one lowest-level table, from <paramref name="first"/>: the callback reads its
    /// slots as it likes (word by word, or a repeated word once).
    /// </summary>
    /// Kernel: walk_pte_range() (the pte_entry calls of one table).
    WalkAction PteRange(in Slot first, ulong start, ulong end);
}
