using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// The huge zero page: one zeroed PMD-order folio, allocated the first time a read fault wants it
/// and kept for good. Mapped read-only by PMD leaves without rmap or mapcount, so pagemap reports it
/// as present, not anonymous (file) and never exclusive.
/// </summary>
/// Kernel: huge_zero_folio, mm_get_huge_zero_folio(), is_huge_zero_pmd(), transparent_hugepage/use_zero_page.
public sealed class HugeZeroFolio
{
    private readonly PhysicalMemory _memory;
    private readonly int _order;

    public HugeZeroFolio(PhysicalMemory memory, int order)
    {
        _memory = memory;
        _order = order;
    }

    /// <summary>/sys/kernel/mm/transparent_hugepage/use_zero_page (1 by default).</summary>
    public bool UseZeroPage { get; set; } = true;

    /// <summary>The head frame, or 0 before the first use.</summary>
    public ulong Pfn { get; private set; }

    /// <summary>
    /// The huge zero page, allocated on first use; false when the machine has no PMD-order block
    /// free for it then (the fault falls back to the small zero page).
    /// </summary>
    /// Kernel: mm_get_huge_zero_folio() -> get_huge_zero_folio().
    public bool TryGet(out ulong pfn)
    {
        if (Pfn == 0 && _memory.TryAllocate(_order, zero: true, out ulong allocated))
        {
            Pfn = allocated;
            for (ulong i = 0; i < 1UL << _order; i++)
                _memory[Pfn + i].Flags |= PageFlags.Reserved;
        }
        pfn = Pfn;
        return Pfn != 0;
    }

    /// <summary>Kernel: is_huge_zero_pfn() / is_huge_zero_pmd() (any frame of the folio).</summary>
    public bool Contains(ulong pfn) => Pfn != 0 && pfn - Pfn < 1UL << _order;
}
