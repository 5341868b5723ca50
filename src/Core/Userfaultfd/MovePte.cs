using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// UFFDIO_MOVE of one base page between two PTE slots of the same address space. The destination
/// must be empty (a marker counts as populated); a source hole is ENOENT unless holes are allowed;
/// the zero page moves as the zero page; a page moves only when it is anonymous, PageAnonExclusive
/// (not merely mapped once) and unpinned, a large folio being split first (its zero-filled
/// subpages then map the zero page, so such a page moves as the zero page).
/// </summary>
/// Kernel: move_pages_pte(), move_present_pte(), move_zeropage_pte() (mm/userfaultfd.c).
public static class MovePte
{
    /// <summary>
    /// One page; both PTE tables exist. <see cref="Errno.EAGAIN"/> means "retry the same page"
    /// (after a large folio was split).
    /// </summary>
    public static Errno Move(MmStruct mm, Vma dstVma, ulong dst, ulong src, bool allowSrcHoles)
    {
        var system = mm.System;
        var dstWalk = mm.Tables.Walk(dst, PageLevel.Pte, allocate: false);
        var srcWalk = mm.Tables.Walk(src, PageLevel.Pte, allocate: false);
        if (dstWalk.Level != PageLevel.Pte || srcWalk.Level != PageLevel.Pte)
            throw new InvalidOperationException("BUG: move_pages_pte() without PTE tables on both sides");
        if (!dstWalk.Entry.IsNone)
            return Errno.EEXIST;
        var entry = srcWalk.Entry;
        if (entry.IsNone)
            return allowSrcHoles ? Errno.None : Errno.ENOENT;
        if (entry.Kind != EntryKind.Page)
            return Errno.EFAULT;
        if (system.Zero.IsZero(entry.Frame))
        {
            MoveZeroPage(mm, dstVma, dstWalk.Slot, dst, srcWalk.Slot, src);
            return Errno.None;
        }
        if (entry.Has(EntryFlags.Special) || !Folios.IsAnon(system, entry.Frame) || !Folios.IsAnonExclusive(system, entry.Frame))
            return Errno.EBUSY;
        ulong head = system.Memory.HeadOf(entry.Frame);
        if (system.Memory[head].Order > 0)
        {
            var split = FolioSplit.Split(mm, src, entry.Frame);
            return split == Errno.None ? Errno.EAGAIN : split;
        }
        if (Folios.MaybeDmaPinned(system, head))
            return Errno.EBUSY;
        MovePresent(mm, dstVma, dstWalk.Slot, dst, srcWalk.Slot, src, entry);
        return Errno.None;
    }

    /// <summary>Kernel: move_zeropage_pte() — the destination maps its own zero page.</summary>
    private static void MoveZeroPage(MmStruct mm, Vma dstVma, in Slot dstSlot, ulong dst, in Slot srcSlot, ulong src)
    {
        var system = mm.System;
        ulong zero = system.Zero.PfnFor(dst);
        system.Ops.Record("my_zero_pfn", PageLevel.Pte, dst, 0, zero);
        mm.Tables.ClearFlush(srcSlot, src);
        mm.Tables.Set(dstSlot, dst, PageEntry.Page(zero, PageProt.Base(mm.System, dstVma) | EntryFlags.Special));
    }

    /// <summary>
    /// Kernel: move_present_pte() — the same frame, writable, dirty only if the source was,
    /// soft-dirty where the architecture tracks it, and without uffd-wp.
    /// </summary>
    private static void MovePresent(MmStruct mm, Vma dstVma, in Slot dstSlot, ulong dst, in Slot srcSlot, ulong src, in PageEntry entry)
    {
        var system = mm.System;
        var old = mm.Tables.ClearFlush(srcSlot, src);
        var flags = PageProt.MaybeWrite(dstVma, PageProt.Base(mm.System, dstVma));
        if (old.Has(EntryFlags.Dirty))
            flags |= EntryFlags.Dirty;
        if (system.Capabilities.SoftDirty)
            flags |= EntryFlags.SoftDirty;
        system.Memory[entry.Frame].Flags |= PageFlags.AnonExclusive;
        mm.Tables.Set(dstSlot, dst, PageEntry.Page(entry.Frame, flags));
    }
}
