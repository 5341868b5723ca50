using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// A fault in a hugetlb VMA, on the whole huge page around the address: a poison marker raises
/// SIGBUS, an empty entry (or a uffd-wp marker) takes the no-page path, a write to a read-only
/// entry takes the write-protect path.
/// </summary>
/// Kernel: hugetlb_fault(), hugetlb_no_page(), hugetlb_wp(), hugetlb_handle_userfault() (mm/hugetlb.c).
public static class HugetlbFault
{
    public static FaultResult Handle(MmStruct mm, Vma vma, in FaultInfo fault)
    {
        var system = mm.System;
        var pool = Hugetlb.PoolOf(system, vma);
        ulong haddr = fault.Address & ~(pool.Size.Size - 1);
        var huge = fault with { Address = haddr };
        var pte = HugePteAlloc.Alloc(mm.Tables, pool.Size, haddr);
        var entry = HugePteOps.Get(mm.Tables, pte);
        if (PteMarker.IsPoisoned(entry))
            return new FaultResult(FaultStatus.HwPoison);
        if (PteMarker.IsNoneMostly(entry))
            return NoPage(mm, vma, pool, pte, huge, entry);
        if (entry.Kind != EntryKind.Page)
            throw new InvalidOperationException($"BUG: hugetlb entry of kind {entry.Kind} at 0x{haddr:x}");
        if (entry.Has(EntryFlags.Write) || (!fault.Write && !fault.Unshare))
            return FaultResult.Done;
        if (fault.Unshare)
            return Wp(mm, vma, pool, pte, haddr, entry, unshare: true);
        if (entry.Has(EntryFlags.UffdWp) && vma.Has(VmFlags.UffdWp) && vma.Uffd is { } ctx)
        {
            if (!ctx.WpAsync)
                return ctx.HandleUserfault(mm, vma, huge, UserfaultReason.Wp);
            // Asynchronous mode: the kernel drops the bit itself and the write goes on as usual.
            entry = entry.With(EntryFlags.None, EntryFlags.UffdWp);
            HugePteOps.Set(mm.Tables, pte, haddr, entry);
        }
        return Wp(mm, vma, pool, pte, haddr, entry);
    }

    /// <summary>
    /// Beyond EOF: SIGBUS. No page in the file's cache: a MISSING userfault, or a new zeroed page
    /// (added to the cache of a shared mapping, anonymous in a private one). A cached page: a MINOR
    /// userfault, or map it. A private write then goes on to copy-on-write, unless the entry kept
    /// a uffd-wp marker's protection.
    /// </summary>
    /// Kernel: hugetlb_no_page(), hugetlb_wp() (its early return for a uffd-wp entry).
    private static FaultResult NoPage(MmStruct mm, Vma vma, HugetlbPool pool, in HugePte pte, in FaultInfo fault, in PageEntry old)
    {
        var system = mm.System;
        var file = vma.File!;
        ulong haddr = fault.Address;
        if (vma.HugetlbResvUnmapped)
            return FaultResult.SigBus;
        ulong index = Hugetlb.HugeIndex(system, vma, haddr);
        if (index >= Hugetlb.HugePagesInFile(file))
            return FaultResult.SigBus;
        ulong pfn = file.Cache.Lookup(index);
        if (pfn == 0)
        {
            if (vma.Has(VmFlags.UffdMissing) && vma.Uffd is { } missingCtx)
                return missingCtx.HandleUserfault(mm, vma, fault, UserfaultReason.Missing);
            pfn = HugetlbReserve.AllocFolio(system, vma, index);
            if (pfn == 0)
                return FaultResult.SigBus;
            HugetlbFolios.Zero(system, pool, pfn);
            if (vma.IsShared)
            {
                HugetlbFile.AddToCache(system, file, index, pfn);
                HugetlbFolios.AddMap(system, pfn);
            }
            else
            {
                HugetlbFolios.AddNewAnon(mm, vma, pfn);
            }
        }
        else
        {
            if (vma.Has(VmFlags.UffdMinor) && vma.Uffd is { } minorCtx)
                return minorCtx.HandleUserfault(mm, vma, fault, UserfaultReason.Minor);
            HugetlbFolios.AddMap(system, pfn);
        }

        var entry = MakeHugePte(mm.System, vma, pfn, vma.IsShared && vma.Has(VmFlags.Write));
        if (PteMarker.IsUffdWp(old) && vma.Has(VmFlags.UffdWp))
            entry = entry.With(EntryFlags.UffdWp, EntryFlags.Write);
        HugePteOps.Set(mm.Tables, pte, haddr, entry);
        system.Ops.UpdateMmuCache(haddr, pte.Slot.Level, entry);
        if (fault.Write && !vma.IsShared)
        {
            // The copy-on-write shortcut never breaks a uffd-wp protection the marker passed on:
            // the fault starts over and finds a protected entry (a WP userfault).
            if (entry.Has(EntryFlags.UffdWp))
                return Handle(mm, vma, fault);
            return Wp(mm, vma, pool, pte, haddr, entry);
        }
        return FaultResult.Done;
    }

    /// <summary>
    /// A write to a read-only huge entry: shared mappings and anonymous pages mapped once get the
    /// write bit; anything else is copied into a new anonymous page. When the pool has no page to
    /// give, the owner of a private mapping copying an anonymous page takes it away from the
    /// forked mappings that share it and retries (it is then mapped once); otherwise SIGBUS.
    /// An unshare (a read-only long-term pin) only makes the page exclusive, or copies it read-only;
    /// so does a forced write (FOLL_FORCE) in a private mapping without VM_WRITE.
    /// </summary>
    /// Kernel: hugetlb_wp() with and without FAULT_FLAG_UNSHARE, cow_from_owner -> unmap_ref_private();
    /// since Linux 6.15 ("mm: hugetlb: support FOLL_FORCE|FOLL_WRITE") the write bit follows VM_WRITE,
    /// where 6.12 refused the forced write in check_vma_flags() and warned in hugetlb_wp().
    private static FaultResult Wp(MmStruct mm, Vma vma, HugetlbPool pool, in HugePte pte, ulong haddr, PageEntry entry, bool unshare = false)
    {
        var system = mm.System;
        ulong old = entry.Frame;
        ref var d = ref system.Memory[old];
        // A FOLL_FORCE write into a private mapping without VM_WRITE breaks COW but leaves the
        // entry read-only; GUP then follows it for the write (can_follow_write_pte()).
        bool makeWritable = !unshare && (vma.IsShared || vma.Has(VmFlags.Write));
        if (vma.IsShared || (HugetlbFolios.IsAnon(system, old) && d.MapCount == 1))
        {
            if (!vma.IsShared)
                d.Flags |= PageFlags.AnonExclusive;
            if (!makeWritable)
                return FaultResult.Done;
            var writable = entry.With(EntryFlags.Write | EntryFlags.Dirty | EntryFlags.Young);
            HugePteOps.Set(mm.Tables, pte, haddr, writable);
            system.Ops.UpdateMmuCache(haddr, pte.Slot.Level, writable);
            return FaultResult.Done;
        }
        ulong pfn = HugetlbReserve.AllocFolio(system, vma, Hugetlb.HugeIndex(system, vma, haddr));
        if (pfn == 0)
        {
            bool fromOwner = vma.HugetlbResv is not null && HugetlbFolios.IsAnon(system, old);
            return fromOwner && UnmapRefPrivate(mm, vma, haddr, old) ? FaultResult.Done : FaultResult.SigBus;
        }
        system.Memory.Data(old, pool.Order).CopyTo(system.Memory.Data(pfn, pool.Order));
        HugetlbFolios.AddNewAnon(mm, vma, pfn);
        HugePteOps.ClearFlush(mm.Tables, pte, haddr);
        var copy = MakeHugePte(mm.System, vma, pfn, writable: makeWritable);
        if (unshare)
            copy = copy.With(entry.Flags & EntryFlags.UffdWp);
        HugePteOps.Set(mm.Tables, pte, haddr, copy);
        system.Ops.UpdateMmuCache(haddr, pte.Slot.Level, copy);
        HugetlbFolios.Unmap(system, old);
        return FaultResult.Done;
    }

    /// <summary>
    /// Unmaps the anonymous huge page <paramref name="pfn"/> from the other private mappings of the
    /// same file page that hold no reservation of their own (forked children), and marks them so
    /// that their later no-page faults raise SIGBUS. True when it unmapped something.
    /// </summary>
    /// Kernel: unmap_ref_private() -> unmap_hugepage_range() with a ref_page.
    private static bool UnmapRefPrivate(MmStruct mm, Vma vma, ulong haddr, ulong pfn)
    {
        var system = mm.System;
        var size = Hugetlb.PoolOf(system, vma).Size;
        ulong first = vma.FileIndex(haddr, system.PageShift);
        bool unmapped = false;
        foreach (var (other, otherVma, start, _) in FileMappings.Of(system, vma.File!, first, first + (size.Size >> system.PageShift)))
        {
            if (otherVma == vma || otherVma.Has(VmFlags.MayShare) || otherVma.HugetlbResv is not null)
                continue;
            if (!HugePteOffset.Find(other.Tables, size, start, out var pte) || HugePteOps.Get(other.Tables, pte) is not { Kind: EntryKind.Page } entry || entry.Frame != pfn)
                continue;
            HugePteOps.ClearFlush(other.Tables, pte, start);
            HugetlbFolios.Unmap(system, pfn);
            otherVma.HugetlbResvUnmapped = true;
            unmapped = true;
        }
        return unmapped;
    }

    /// <summary>Young always; writable ones dirty too. Kernel: make_huge_pte().</summary>
    public static PageEntry MakeHugePte(MemorySystem system, Vma vma, ulong pfn, bool writable)
    {
        var flags = PageProt.Base(system, vma) | EntryFlags.Young;
        if (writable)
            flags |= EntryFlags.Write | EntryFlags.Dirty;
        return PageEntry.Page(pfn, flags);
    }
}
