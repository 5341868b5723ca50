using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// Finds or creates the place of a huge page's entries for any of the three placements: the leaf
/// slot at the page's level, the first slot of its run, or its hugepte (populating the hugepd slot
/// or slots first).
/// </summary>
/// Kernel: huge_pte_alloc() (mm/hugetlb.c, arch/arm64/mm/hugetlbpage.c, arch/powerpc/mm/hugetlbpage.c).
public static class HugePteAlloc
{
    public static HugePte Alloc(PageTable tables, HugePageSize size, ulong address)
    {
        var geo = tables.Ops.Geometry;
        address &= ~(size.Size - 1);
        var walk = tables.Walk(address, size.Level, allocate: true);
        if (walk.Level != size.Level)
            throw new InvalidOperationException(
                $"BUG: huge_pte_alloc for {size} at 0x{address:x} stopped at a {walk.Entry.Kind} {walk.Level.KernelName()} entry");
        if (size.Placement != HugePlacement.HugePd)
            return HugePte.At(walk.Slot, size, geo);
        var entry = walk.Entry;
        if (entry.IsNone)
            entry = tables.PopulateHugePd(walk.Slot, size.Shift, address);
        if (entry.Kind != EntryKind.HugePd || entry.Shift != size.Shift)
            throw new InvalidOperationException(
                $"BUG: {walk.Level.KernelName()} slot at 0x{address:x} holds a {entry.Kind} (shift {entry.Shift}), not a hugepd for {size}");
        return new HugePte(HugePdTable.EntryFor(entry, geo[size.Level].Shift, address), size, 1, 0);
    }
}
