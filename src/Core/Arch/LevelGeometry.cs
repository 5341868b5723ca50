namespace Pluggable.Core.Arch;

/// <summary>
/// One level of the walk. A folded level has one entry and no table of its own: its slot is the
/// parent's slot, and its shift equals the shift of the nearest unfolded level above it, as the
/// kernel's PMD_SHIFT equals PUD_SHIFT when the pmd is folded.
/// </summary>
/// Kernel: PGDIR_SHIFT/P4D_SHIFT/PUD_SHIFT/PMD_SHIFT/PAGE_SHIFT and PTRS_PER_*.
public sealed record LevelGeometry(PageLevel Level, int Shift, int Entries, bool Folded)
{
    public string Name => Level.KernelName();

    /// <summary>Bytes of address space one entry of this level covers.</summary>
    public ulong EntrySpan => 1UL << Shift;

    /// <summary>The first address covered by the next entry of this level after the one holding <paramref name="address"/>.</summary>
    /// Kernel: the boundary pgd_addr_end()/pud_addr_end()/pmd_addr_end() step to.
    public ulong NextEntryStart(ulong address) => (address & ~(EntrySpan - 1)) + EntrySpan;

    /// <summary>Index of <paramref name="address"/> in this level's table (0 when folded).</summary>
    public int IndexOf(ulong address) => Folded ? 0 : (int)((address >> Shift) & (ulong)(Entries - 1));
}
