using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>Finds the place of a huge page's entries without allocating; false where no table reaches it.</summary>
/// Kernel: huge_pte_offset().
public static class HugePteOffset
{
    public static bool Find(PageTable tables, HugePageSize size, ulong address, out HugePte pte)
    {
        var geo = tables.Ops.Geometry;
        address &= ~(size.Size - 1);
        pte = default;
        var walk = tables.Walk(address, size.Level, allocate: false);
        if (walk.Level != size.Level)
            return false;
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
