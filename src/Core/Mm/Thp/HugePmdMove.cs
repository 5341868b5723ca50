using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// UFFDIO_MOVE of a whole PMD leaf into an empty destination PMD: an exclusive THP keeps its frames
/// and becomes writable and dirty at the destination (as after mremap); the huge zero page moves as
/// the huge zero page. A THP not exclusive to this process is refused with EBUSY.
/// </summary>
/// Kernel: move_pages_huge_pmd() (mm/huge_memory.c).
public static class HugePmdMove
{
    public static Errno Move(MmStruct mm, Vma dstVma, in Slot dstSlot, ulong dst, in Slot srcSlot, ulong src)
    {
        var system = mm.System;
        var entry = mm.Tables.Get(srcSlot);
        if (entry.Kind != EntryKind.Page)
            return Errno.ENOENT;
        bool zero = HugePmd.IsHugeZero(system, entry);
        if (!zero && ((system.Memory[entry.Frame].Flags & PageFlags.AnonExclusive) == 0 || system.Memory[entry.Frame].PinCount != 0))
            return Errno.EBUSY;
        mm.Tables.Clear(srcSlot, src);
        system.Ops.FlushTlbRange(src, src + system.Geometry.PmdSize, system.Geometry.PmdShift);
        var flags = PageProt.Base(mm.System, dstVma) | EntryFlags.Huge;
        if (!zero)
            flags = PageProt.MaybeWrite(dstVma, flags | EntryFlags.Dirty);
        mm.Tables.MoveDeposit(src, dst);
        mm.Tables.Set(dstSlot, dst, PageEntry.Page(entry.Frame, flags));
        return Errno.None;
    }
}
