using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// A fault on an empty entry of anonymous memory: the zero page for reads, a new page for writes.
/// Over a uffd-wp marker (<paramref name="origWp"/>) the new entry stays write-protected, so a
/// write retries into a write-protect fault.
/// </summary>
/// Kernel: do_anonymous_page() with vmf_anon_prepare() and vmf_orig_pte_uffd_wp().
public static class AnonymousFault
{
    public static FaultResult Handle(MmStruct mm, Vma vma, in Slot slot, in FaultInfo fault, bool origWp = false)
    {
        var system = mm.System;
        ulong address = fault.Address & system.Geometry.PageMask;
        // A write prepares the VMA's anon_vma before it asks userfaultfd, so a write that raises a
        // missing fault still leaves the VMA ready for MADV_COLLAPSE.
        if (fault.Write)
            Folios.EnsureAnonVma(mm, vma);
        if (vma.Has(VmFlags.UffdMissing) && vma.Uffd is { } ctx)
            return ctx.HandleUserfault(mm, vma, fault, UserfaultReason.Missing);
        if (!fault.Write)
        {
            ulong zero = system.Zero.PfnFor(address);
            system.Ops.Record("my_zero_pfn", PageLevel.Pte, address, 0, zero);
            var zeroEntry = PageEntry.Page(zero, PageProt.Base(mm.System, vma) | EntryFlags.Special | (origWp ? EntryFlags.UffdWp : EntryFlags.None));
            FaultHandler.Install(mm, slot, address, zeroEntry);
            return FaultResult.Done;
        }
        ulong pfn = Folios.AllocateAnon(system, zero: true);
        Folios.AddNewAnonMap(mm, vma, pfn);
        var entry = PageEntry.Page(pfn, PageProt.MaybeWrite(vma, PageProt.Base(mm.System, vma) | EntryFlags.Dirty));
        if (origWp)
            entry = entry.With(EntryFlags.UffdWp, EntryFlags.Write);
        FaultHandler.Install(mm, slot, address, entry);
        return FaultResult.Done;
    }
}
