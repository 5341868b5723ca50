namespace Pluggable.Core.PageTables;

/// <summary>
/// Collects what a range operation tore down or downgraded, so that one TLB flush at the end
/// covers it, with the stride of the smallest entry changed (a range of only PMD leaves flushes
/// in PMD strides).
/// </summary>
/// Kernel: struct mmu_gather, tlb_flush_pte_range()/tlb_flush_pmd_range(), tlb_finish_mmu().
public struct TlbGather
{
    private int _strideShift;

    public readonly bool Pending => _strideShift != 0;

    public void Add(int entryShift)
    {
        if (_strideShift == 0 || entryShift < _strideShift)
            _strideShift = entryShift;
    }

    public readonly void Finish(ArchOps ops, ulong start, ulong end)
    {
        if (Pending)
            ops.FlushTlbRange(start, end, _strideShift);
    }
}
