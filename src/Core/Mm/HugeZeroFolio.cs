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

    /// <summary>Kernel: mm_get_huge_zero_folio().</summary>
    public ulong Get()
    {
        if (Pfn != 0)
            return Pfn;
        Pfn = _memory.Allocate(_order, zero: true);
        for (ulong i = 0; i < 1UL << _order; i++)
            _memory[Pfn + i].Flags |= PageFlags.Reserved;
        return Pfn;
    }

    /// <summary>Kernel: is_huge_zero_pfn() / is_huge_zero_pmd() (any frame of the folio).</summary>
    public bool Contains(ulong pfn) => Pfn != 0 && pfn - Pfn < 1UL << _order;
}
