namespace Pluggable.Core.Arch;

/// <summary>What a page-table slot holds, as generic code reasons about it.</summary>
public enum EntryKind : byte
{
    /// <summary>Nothing: pte_none()/pmd_none().</summary>
    None = 0,

    /// <summary>A pointer to the table of the next unfolded level.</summary>
    Table,

    /// <summary>A mapping of a frame: a PTE, or a leaf (huge) PMD/PUD, possibly one slot of a contiguous run.</summary>
    Page,

    /// <summary>A hugepd: the slot points to a table of huge PTEs and carries the huge page shift.</summary>
    HugePd,

    /// <summary>A non-present swap-format entry (swap, migration, and the generic PTE markers).</summary>
    Swap,
}
