using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>Finds the place of a huge page's entries without allocating; false where no table reaches it.</summary>
/// Kernel: huge_pte_offset().
public static class HugePteOffset
{
    public static bool Find(PageTable tables, HugePageSize size, ulong address, out HugePte pte) =>
        Find(tables, size, address, out pte, out _);

    /// <summary>
    /// As <see cref="Find(PageTable, HugePageSize, ulong, out HugePte)"/>; where no table reaches
    /// the page, <paramref name="holeEnd"/> is the end of the empty entry that stopped the look (0
    /// at the top of the address space), so that a walk steps over all of it.
    /// </summary>
    public static bool Find(PageTable tables, HugePageSize size, ulong address, out HugePte pte, out ulong holeEnd)
    {
        var geo = tables.Ops.Geometry;
        address &= ~(size.Size - 1);
        pte = default;
        var walk = tables.Walk(address, size.Level, allocate: false);
        if (walk.Level != size.Level)
        {
            holeEnd = geo[walk.Level].NextEntryStart(address);
            return false;
        }
        holeEnd = address + size.Size;
        if (size.Placement != HugePlacement.HugePd)
        {
            pte = HugePte.At(walk.Slot, size, geo);
            return true;
        }
        if (walk.Entry.Kind != EntryKind.HugePd)
            return false;
        pte = new HugePte(HugePdTable.EntryFor(walk.Entry, geo[size.Level].Shift, address), size, 1, 0);
        return true;
    }
}
