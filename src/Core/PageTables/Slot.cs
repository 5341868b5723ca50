using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>One entry's place: the table's frame, the index in it, and the level it is read as.</summary>
/// Kernel: a pte_t*/pmd_t*/pud_t* pointer returned by pte_offset_map()/pmd_offset()/...
public readonly record struct Slot(ulong Table, int Index, PageLevel Level)
{
    public bool IsValid => Table != 0;

    public Slot Next(int n = 1) => this with { Index = Index + n };
}

/// <summary>Where a walk stopped: the slot and what it holds.</summary>
public readonly record struct WalkResult(Slot Slot, PageEntry Entry)
{
    public PageLevel Level => Slot.Level;
}
