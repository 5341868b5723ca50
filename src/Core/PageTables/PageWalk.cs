using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// The one walk of a range of page tables, top to bottom: folded levels are passed through, an
/// empty upper entry is one hole, a leaf above the lowest level or a hugepd is one callback, and a
/// lowest-level table is one callback for the part of it in the range. So a walk costs what is
/// populated, not the size of the range. Zap, change_protection, fork, mremap, pagemap and the
/// dump all walk through here; hugetlb ranges walk huge page by huge page (<see cref="Hugetlb{TOps}"/>).
/// </summary>
/// Kernel: walk_page_range() -> walk_pgd_range() .. walk_pte_range(), walk_hugetlb_range() (mm/pagewalk.c).
public static class PageWalk
{
    /// <summary>How often one slot may be read again after its callback changed it: a split needs once.</summary>
    private const int AgainLimit = 4;

    /// <summary>Walks [start, end); false when a callback stopped the walk.</summary>
    public static bool Range<TOps>(PageTable tables, ulong start, ulong end, ref TOps ops) where TOps : struct, IPageWalkOps =>
        start >= end || Level(tables, 0, tables.Root, start, end, ref ops);

    private static bool Level<TOps>(PageTable tables, int depth, ulong table, ulong start, ulong end, ref TOps ops) where TOps : struct, IPageWalkOps
    {
        var levels = tables.UnfoldedLevels;
        var level = levels[depth];
        if (depth == levels.Count - 1)
            return ops.PteRange(new Slot(table, level.IndexOf(start), level.Level), start, end) != WalkAction.Stop;
        for (ulong address = start; address < end;)
        {
            ulong next = Clamp(level.NextEntryStart(address), end);
            var slot = new Slot(table, level.IndexOf(address), level.Level);
            for (int again = 0; ; again++)
            {
                if (again > AgainLimit)
                    throw new InvalidOperationException(
                        $"BUG: a page walk read the {level.Name} entry at 0x{address:x} {AgainLimit} times again: its callback keeps changing it");
                var entry = tables.Get(slot);
                var action = entry.Kind switch
                {
                    EntryKind.Table => ops.Table(slot, address, next, entry),
                    EntryKind.None => ops.Hole(slot, address, next),
                    EntryKind.Page or EntryKind.Swap => ops.Leaf(slot, address, next, entry),
                    EntryKind.HugePd => ops.HugePd(slot, address, next, entry),
                    _ => throw new InvalidOperationException(
                        $"BUG: a page walk found an entry of kind {entry.Kind} in the {level.Name} slot at 0x{address:x}"),
                };
                if (action == WalkAction.Stop)
                    return false;
                if (action == WalkAction.Install)
                {
                    if (entry.Kind != EntryKind.None)
                        throw new InvalidOperationException($"BUG: a page walk's callback asked to install a table over a {entry.Kind} {level.Name} entry at 0x{address:x}");
                    tables.PopulateTable(slot, levels[depth + 1].Level, address);
                    continue;
                }
                if (action == WalkAction.Again)
                    continue;
                if (entry.Kind == EntryKind.Table && !Level(tables, depth + 1, entry.Frame, address, next, ref ops))
                    return false;
                break;
            }
            address = next;
        }
        return true;
    }

    /// <summary>
    /// Walks [start, end) of a range mapped with huge pages of <paramref name="size"/>, one huge page
    /// at a time; where no table reaches, the whole empty entry is one hole. False when a callback
    /// stopped the walk.
    /// </summary>
    /// Kernel: walk_hugetlb_range().
    public static bool Hugetlb<TOps>(PageTable tables, HugePageSize size, ulong start, ulong end, ref TOps ops) where TOps : struct, IHugetlbWalkOps
    {
        for (ulong address = start; address < end;)
        {
            ulong next = Clamp((address & ~(size.Size - 1)) + size.Size, end);
            WalkAction action;
            if (HugePteOffset.Find(tables, size, address, out var pte, out ulong holeEnd))
                action = ops.Entry(pte, address, next);
            else
            {
                ulong until = Clamp(holeEnd, end);
                action = ops.Hole(address, until);
                if (action == WalkAction.Install)
                    action = ops.Entry(HugePteAlloc.Alloc(tables, size, address), address, next);
                else
                    next = until;
            }
            if (action == WalkAction.Stop)
                return false;
            if (action != WalkAction.Continue)
                throw new InvalidOperationException($"BUG: a hugetlb walk's callback answered {action} at 0x{address:x}; a huge entry is handled in one call");
            address = next;
        }
        return true;
    }

    /// <summary>The end of an entry's part of the walk: a span that wraps past the top of the address space ends with the walk.</summary>
    private static ulong Clamp(ulong entryEnd, ulong end) => entryEnd == 0 || entryEnd > end ? end : entryEnd;
}
