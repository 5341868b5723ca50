using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// The two hugepd shapes: a page smaller than the directory slot's span gets a table of
/// 2^(slot shift - page shift) hugeptes behind one slot; a larger page gets a one-entry table
/// shared by 2^(page shift - slot shift) consecutive slots holding the same hugepd value.
/// </summary>
/// Kernel: __hugepte_alloc(), hugepte_offset(), hugepd_shift() (arch/powerpc/mm/hugetlbpage.c, before v6.11).
public static class HugePdTable
{
    /// <summary>Hugeptes in the table behind a hugepd of <paramref name="pageShift"/> at a slot of <paramref name="slotShift"/>.</summary>
    public static int Entries(int pageShift, int slotShift) => pageShift < slotShift ? 1 << (slotShift - pageShift) : 1;

    /// <summary>Consecutive directory slots that share one hugepd value.</summary>
    public static int SharingSlots(int pageShift, int slotShift) => pageShift > slotShift ? 1 << (pageShift - slotShift) : 1;

    /// <summary>The hugepte that maps <paramref name="address"/>; hugeptes are read and written as ptes.</summary>
    /// Kernel: hugepte_offset().
    public static Slot EntryFor(in PageEntry hugepd, int slotShift, ulong address)
    {
        int index = hugepd.Shift < slotShift ? (int)((address & ((1UL << slotShift) - 1)) >> hugepd.Shift) : 0;
        return new Slot(hugepd.Frame, index, PageLevel.Pte);
    }
}
