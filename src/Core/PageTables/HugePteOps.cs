using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// Reading and changing a huge page's entries as one: a run is read with the dirty and young bits
/// of every slot folded in, cleared slot by slot, and rewritten under the architecture's rule
/// (break-before-make: clear every slot, one TLB flush over the run, then write every slot).
/// </summary>
/// Kernel: huge_ptep_get(), set_huge_pte_at(), huge_ptep_get_and_clear(), huge_ptep_clear_flush()
/// (arch/arm64/mm/hugetlbpage.c for runs; asm-generic/hugetlb.h otherwise).
public static class HugePteOps
{
    private const EntryFlags Folded = EntryFlags.Dirty | EntryFlags.Young;

    /// <summary>Kernel: huge_ptep_get().</summary>
    public static PageEntry Get(PageTable tables, in HugePte pte)
    {
        var entry = tables.Get(pte.Slot);
        if (pte.Slots == 1 || entry.Kind != EntryKind.Page)
            return entry;
        for (int i = 1; i < pte.Slots; i++)
            entry = entry.With(tables.Get(pte.Slot.Next(i)).Flags & Folded);
        return entry;
    }

    /// <summary>Writes a huge entry, marking a present one huge (and contiguous in a run).</summary>
    /// Kernel: set_huge_pte_at() with arch_make_huge_pte().
    public static void Set(PageTable tables, in HugePte pte, ulong address, PageEntry entry)
    {
        address &= ~(pte.Size.Size - 1);
        bool present = entry.Kind == EntryKind.Page;
        if (present)
            entry = entry.With(pte.Slots > 1 ? EntryFlags.Huge | EntryFlags.Cont : EntryFlags.Huge) with { Shift = (byte)pte.Size.Shift };
        if (pte.Slots == 1)
        {
            tables.SetHuge(pte.Slot, address, entry);
            return;
        }
        if (present && tables.Ops.Arch.RunNeedsBreakBeforeMake)
        {
            for (int i = 0; i < pte.Slots; i++)
                tables.ClearHuge(pte.Slot.Next(i), address + (ulong)i * pte.SlotSpan);
            tables.Ops.FlushTlbRange(address, address + pte.Size.Size, pte.Size.Shift);
        }
        for (int i = 0; i < pte.Slots; i++)
        {
            var slotEntry = present ? entry with { Frame = entry.Frame + (ulong)i * pte.SlotPages } : entry;
            tables.SetHuge(pte.Slot.Next(i), address + (ulong)i * pte.SlotSpan, slotEntry);
        }
    }

    /// <summary>Clears every slot without a flush and returns the entry with dirty/young folded in.</summary>
    /// Kernel: huge_ptep_get_and_clear().
    public static PageEntry Clear(PageTable tables, in HugePte pte, ulong address)
    {
        address &= ~(pte.Size.Size - 1);
        var first = tables.ClearHuge(pte.Slot, address);
        for (int i = 1; i < pte.Slots; i++)
        {
            var old = tables.ClearHuge(pte.Slot.Next(i), address + (ulong)i * pte.SlotSpan);
            if (first.Kind == EntryKind.Page)
                first = first.With(old.Flags & Folded);
        }
        return first;
    }

    /// <summary>Clears and flushes the whole huge page from the TLB when it was present.</summary>
    /// Kernel: huge_ptep_clear_flush().
    public static PageEntry ClearFlush(PageTable tables, in HugePte pte, ulong address)
    {
        address &= ~(pte.Size.Size - 1);
        var old = Clear(tables, pte, address);
        if (old.Kind == EntryKind.Page)
            tables.Ops.FlushTlbRange(address, address + pte.Size.Size, pte.Size.Shift);
        return old;
    }
}
