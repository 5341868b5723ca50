using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// A write to a present, read-only entry: a userfaultfd write-protect fault, reuse of an exclusive
/// anonymous page, a shared mapping made writable, or copy-on-write into a new page. An unshare
/// fault (a read-only pin of a shared anonymous page) takes the same path but leaves the entry
/// read-only and raises no write-protect fault.
/// </summary>
/// Kernel: do_wp_page(), wp_page_reuse(), wp_page_shared(), wp_page_copy().
public static class WriteProtectFault
{
    public static FaultResult Handle(MmStruct mm, Vma vma, in Slot slot, PageEntry entry, in FaultInfo fault)
    {
        var system = mm.System;
        ulong address = fault.Address & system.Geometry.PageMask;
        if (!fault.Unshare && entry.Has(EntryFlags.UffdWp) && vma.Has(VmFlags.UffdWp) && vma.Uffd is { } ctx)
        {
            if (!ctx.WpAsync)
                return ctx.HandleUserfault(mm, vma, fault, UserfaultReason.Wp);
            // Asynchronous mode: the kernel drops the bit itself and the write goes on as usual.
            entry = entry.With(EntryFlags.None, EntryFlags.UffdWp);
            mm.Tables.Set(slot, address, entry);
        }
        bool special = system.Zero.IsZero(entry.Frame) || entry.Has(EntryFlags.Special);
        if (vma.IsShared && !special)
        {
            Reuse(mm, vma, slot, address, entry);
            return FaultResult.Done;
        }
        if (!special && Folios.IsAnon(system, entry.Frame) && CanReuseAnon(system, entry.Frame))
        {
            system.Memory[entry.Frame].Flags |= Physical.PageFlags.AnonExclusive;
            if (!fault.Unshare)
                Reuse(mm, vma, slot, address, entry);
            return FaultResult.Done;
        }
        return Copy(mm, vma, slot, address, entry, special, fault.Unshare);
    }

    /// <summary>Kernel: wp_can_reuse_anon_folio() — exclusive, or the only reference left.</summary>
    private static bool CanReuseAnon(MemorySystem system, ulong pfn)
    {
        ref var d = ref system.Memory[pfn];
        return (d.Flags & Physical.PageFlags.AnonExclusive) != 0 || (d.RefCount == 1 && d.Order == 0);
    }

    /// <summary>
    /// Kernel: wp_page_reuse() (maybe_mkwrite()): a forced write (GUP with FOLL_FORCE) into a
    /// private mapping without VM_WRITE reuses the page but leaves the entry read-only; GUP then
    /// follows the dirty entry of the now exclusive page.
    /// </summary>
    private static void Reuse(MmStruct mm, Vma vma, in Slot slot, ulong address, PageEntry entry)
    {
        var updated = entry.With(PageProt.MaybeWrite(vma, EntryFlags.Dirty | EntryFlags.Young));
        FaultHandler.Install(mm, slot, address, updated);
    }

    /// <summary>Kernel: wp_page_copy() — a private copy replaces the shared or zero page.</summary>
    private static FaultResult Copy(MmStruct mm, Vma vma, in Slot slot, ulong address, PageEntry old, bool fromZero, bool unshare)
    {
        var system = mm.System;
        ulong pfn = Folios.AllocateAnon(system, zero: fromZero);
        if (!fromZero)
            system.Memory.Data(old.Frame).CopyTo(system.Memory.Data(pfn));
        Folios.AddNewAnonMap(mm, vma, pfn);
        var flags = unshare
            ? PageProt.Base(mm.System, vma) | (old.Flags & (EntryFlags.SoftDirty | EntryFlags.UffdWp))
            : PageProt.MaybeWrite(vma, PageProt.Base(mm.System, vma) | EntryFlags.Dirty | EntryFlags.Young) | (old.Flags & EntryFlags.SoftDirty);
        mm.Tables.ClearFlush(slot, address);
        FaultHandler.Install(mm, slot, address, PageEntry.Page(pfn, flags));
        if (!fromZero)
            Folios.RemoveMap(mm, old.Frame);
        return FaultResult.Done;
    }
}
