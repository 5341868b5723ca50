using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// The PMD step of a fault on anonymous memory: an empty PMD in a THP-eligible block gets the huge
/// zero page (read) or a new THP (write), unless userfaultfd wants missing faults; a write or an
/// unshare of a read-only PMD leaf reuses, replaces or splits it. Anything else falls back to the PTE path.
/// </summary>
/// Kernel: __handle_mm_fault() PMD part: create_huge_pmd() -> do_huge_pmd_anonymous_page(), wp_huge_pmd() -> do_huge_pmd_wp_page().
public static class HugePmdFault
{
    /// <summary>True when the PMD step handled the fault; false to continue at the PTE level.</summary>
    public static bool TryHandle(MmStruct mm, Vma vma, in FaultInfo fault, out FaultResult result)
    {
        result = FaultResult.Done;
        var system = mm.System;
        if (Thp.PmdSize(system) is null || !vma.IsAnonymous)
            return false;
        var walk = mm.Tables.Walk(fault.Address, PageLevel.Pmd, allocate: true);
        if (walk.Level != PageLevel.Pmd)
            return false;
        if (walk.Entry.IsNone)
        {
            if (!Thp.VmaAllowed(system, vma, inFault: true) || !Thp.Suitable(system, vma, fault.Address))
                return false;
            return CreateHugePmd(mm, vma, walk.Slot, fault, out result);
        }
        if (walk.Entry.Kind != EntryKind.Page)
            return false;
        if ((fault.Write || fault.Unshare) && !walk.Entry.Has(EntryFlags.Write))
            return WpHugePmd(mm, vma, walk.Slot, walk.Entry, fault, out result);
        return true;
    }

    /// <summary>
    /// Kernel: do_huge_pmd_anonymous_page(). False (VM_FAULT_FALLBACK) when neither the huge zero
    /// page nor a THP could be had: the PTE path maps a base page instead.
    /// </summary>
    private static bool CreateHugePmd(MmStruct mm, Vma vma, in Slot slot, in FaultInfo fault, out FaultResult result)
    {
        var system = mm.System;
        ulong haddr = fault.Address & ~(system.Geometry.PmdSize - 1);
        result = FaultResult.Done;
        Folios.EnsureAnonVma(mm, vma);
        if (vma.Has(VmFlags.UffdMissing) && vma.Uffd is { } ctx)
        {
            result = ctx.HandleUserfault(mm, vma, fault, UserfaultReason.Missing);
            return true;
        }
        if (!fault.Write && system.HugeZero.UseZeroPage)
        {
            if (!system.HugeZero.TryGet(out ulong zero))
                return false;
            var zeroEntry = PageEntry.Page(zero, PageProt.Base(mm.System, vma) | EntryFlags.Huge);
            mm.Tables.Deposit(haddr);
            FaultHandler.Install(mm, slot, haddr, zeroEntry);
            return true;
        }
        return MapNewFolio(mm, vma, slot, haddr);
    }

    private static bool MapNewFolio(MmStruct mm, Vma vma, in Slot slot, ulong haddr)
    {
        if (!HugePmd.TryAllocateFolio(mm.System, zero: true, out ulong head))
            return false;
        HugePmd.AddNewAnonMap(mm, vma, head);
        mm.Tables.Deposit(haddr);
        FaultHandler.Install(mm, slot, haddr, HugePmd.NewAnonEntry(mm.System, vma, head));
        return true;
    }

    /// <summary>
    /// A write to a read-only PMD leaf: uffd-wp first; the huge zero page is replaced by a new THP
    /// (after 6.12; 6.12 and 6.1 split it, see KernelBehaviour), or split when no THP can be had; an exclusive THP, or one with no other reference, is
    /// reused; a shared one is split and the PTE path copies the one page written. An unshare (a
    /// read-only pin) takes the same path without uffd-wp, and a reused THP only becomes exclusive.
    /// </summary>
    /// Kernel: wp_huge_pmd(), do_huge_zero_wp_pmd(), do_huge_pmd_wp_page().
    private static bool WpHugePmd(MmStruct mm, Vma vma, in Slot slot, PageEntry entry, in FaultInfo fault, out FaultResult result)
    {
        var system = mm.System;
        ulong haddr = fault.Address & ~(system.Geometry.PmdSize - 1);
        result = FaultResult.Done;
        if (!fault.Unshare && entry.Has(EntryFlags.UffdWp) && vma.Has(VmFlags.UffdWp) && vma.Uffd is { } ctx)
        {
            result = ctx.HandleUserfault(mm, vma, fault, UserfaultReason.Wp);
            return true;
        }
        if (HugePmd.IsHugeZero(system, entry))
        {
            if (!system.Kernel.HugeZeroWriteAllocatesThp || !HugePmd.TryAllocateFolio(system, zero: true, out ulong folio))
            {
                // No THP to replace it with: split, and the PTE path copies the one page written.
                HugePmdSplit.Split(mm, vma, slot, fault.Address);
                return false;
            }
            mm.Tables.Clear(slot, haddr);
            system.Ops.FlushTlbRange(haddr, haddr + system.Geometry.PmdSize, system.Geometry.PmdShift);
            HugePmd.AddNewAnonMap(mm, vma, folio);
            FaultHandler.Install(mm, slot, haddr, HugePmd.NewAnonEntry(mm.System, vma, folio));
            return true;
        }
        ulong head = entry.Frame;
        ref var d = ref system.Memory[head];
        if ((d.Flags & Physical.PageFlags.AnonExclusive) != 0 || d.RefCount == 1)
        {
            HugePmd.SetExclusive(system, head, exclusive: true);
            if (fault.Unshare)
                return true;
            var reused = entry.With(EntryFlags.Young | EntryFlags.Dirty);
            if (vma.Has(VmFlags.Write))
                reused = reused.With(EntryFlags.Write);
            FaultHandler.Install(mm, slot, haddr, reused);
            return true;
        }
        HugePmdSplit.Split(mm, vma, slot, fault.Address);
        return false;
    }
}
