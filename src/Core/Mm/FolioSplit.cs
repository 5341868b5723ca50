using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Splits a PTE-mapped large anonymous folio into order-0 folios: each subpage keeps the
/// references of the entries that map it; subpages no entry maps any more are freed. Refused with
/// EBUSY while someone holds a reference that is not a mapping (a pin).
/// </summary>
/// Kernel: split_folio() -> split_huge_page_to_list_to_order() (can_split_folio(), __split_huge_page()).
public static class FolioSplit
{
    public static Errno Split(MemorySystem system, ulong head)
    {
        var memory = system.Memory;
        ref var h = ref memory[head];
        int order = h.Order;
        ulong nr = 1UL << order;
        long mapped = 0;
        for (ulong i = 0; i < nr; i++)
            mapped += memory[head + i].MapCount;
        if (h.RefCount != mapped || h.PinCount != 0)
            return Errno.EBUSY;
        for (ulong i = 0; i < nr; i++)
        {
            ref var d = ref memory[head + i];
            d.Flags &= ~(PageFlags.Head | PageFlags.Tail | PageFlags.Thp);
            d.Order = 0;
            d.Link = 0;
            d.RefCount = d.MapCount;
        }
        for (ulong i = 0; i < nr; i++)
        {
            if (memory[head + i].MapCount == 0)
                memory.Free(head + i, 0);
        }
        return Errno.None;
    }
}
