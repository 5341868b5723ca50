using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// A fault on an empty entry of a shmem mapping: find or create the page in the file's cache (or
/// hand the fault to userfaultfd), then map it, or map a private copy for a write to a private mapping.
/// </summary>
/// Kernel: do_fault() -> do_read_fault()/do_cow_fault() (vmf_anon_prepare() first)/do_shared_fault(), shmem_fault(), shmem_get_folio_gfp(), finish_fault().
public static class FileFault
{
    /// <summary>Kernel: fault_around_bytes (64 KiB).</summary>
    private const ulong FaultAroundBytes = 64 * 1024;

    /// <param name="origWp">The entry held a uffd-wp marker: the new mapping keeps the protection.</param>
    public static FaultResult Handle(MmStruct mm, Vma vma, in Slot slot, in FaultInfo fault, bool origWp = false)
    {
        var system = mm.System;
        var file = vma.File!;
        ulong address = fault.Address & system.Geometry.PageMask;
        ulong index = vma.FileIndex(address, system.PageShift);
        // Pages already cached around a read fault are mapped before the fault itself is looked
        // at, so they are mapped even when the faulting page then goes to userfaultfd or lies
        // past the end of the file.
        if (!fault.Write && !DisablesFaultAround(vma) && FaultAround(mm, vma, slot, address))
            return FaultResult.Done;
        // A write fault on a private mapping prepares the anon_vma before it asks the file for the
        // page, so the VMA has one even when that ends in SIGBUS or a userfault, and fork copies its entries.
        if (fault.Write && !vma.IsShared)
            Folios.EnsureAnonVma(mm, vma);
        if (index << system.PageShift >= file.Size)
            return FaultResult.SigBus;
        ulong pfn = file.Cache.Lookup(index);
        if (pfn == 0)
        {
            if (vma.Has(VmFlags.UffdMissing) && vma.Uffd is { } missingCtx)
                return missingCtx.HandleUserfault(mm, vma, fault, UserfaultReason.Missing);
            pfn = AddToCache(system, file, index, zero: true);
        }
        else if (vma.Has(VmFlags.UffdMinor) && vma.Uffd is { } minorCtx)
        {
            return minorCtx.HandleUserfault(mm, vma, fault, UserfaultReason.Minor);
        }

        if (fault.Write && !vma.IsShared)
            return CopyOnWrite(mm, vma, slot, address, pfn, origWp);
        var flags = PageProt.ForSharedMapping(mm.System, vma);
        if (fault.Write)
            flags = PageProt.MaybeWrite(vma, flags | EntryFlags.Dirty);
        if (origWp)
            flags = (flags | EntryFlags.UffdWp) & ~EntryFlags.Write;
        Folios.AddMap(mm, pfn);
        FaultHandler.Install(mm, slot, address, PageEntry.Page(pfn, flags));
        return FaultResult.Done;
    }

    /// <summary>Allocates a page and inserts it in the file's cache, which holds one reference.</summary>
    /// Kernel: shmem_alloc_and_add_folio().
    public static ulong AddToCache(MemorySystem system, MemoryFile file, ulong index, bool zero)
    {
        ulong pfn = system.Memory.Allocate(0, zero);
        ref var d = ref system.Memory[pfn];
        d.Flags |= PageFlags.PageCache;
        d.Owner = file.Id;
        d.Index = index;
        file.Cache.Store(index, pfn);
        return pfn;
    }

    /// <summary>Kernel: uffd_disable_fault_around() — WP and MINOR registrations must see every fault.</summary>
    private static bool DisablesFaultAround(Vma vma) => vma.Has(VmFlags.UffdWp) || vma.Has(VmFlags.UffdMinor);

    /// <summary>Kernel: do_cow_fault() — the private mapping gets its own copy of the file page.</summary>
    private static FaultResult CopyOnWrite(MmStruct mm, Vma vma, in Slot slot, ulong address, ulong filePfn, bool origWp)
    {
        var system = mm.System;
        ulong pfn = Folios.AllocateAnon(system, zero: false);
        system.Memory.Data(filePfn).CopyTo(system.Memory.Data(pfn));
        Folios.AddNewAnonMap(mm, vma, pfn);
        var flags = PageProt.MaybeWrite(vma, PageProt.Base(mm.System, vma) | EntryFlags.Dirty);
        if (origWp)
            flags = (flags | EntryFlags.UffdWp) & ~EntryFlags.Write;
        FaultHandler.Install(mm, slot, address, PageEntry.Page(pfn, flags));
        return FaultResult.Done;
    }

    /// <summary>
    /// Maps every page of the fault-around window that is in the page cache and has an empty entry,
    /// the faulting page included; true when the faulting page was among them. The window is
    /// fault_around_bytes of pages aligned down, moved up to start no lower than the VMA, and cut at
    /// the VMA's end, the page table's end and the file's end.
    /// </summary>
    /// Kernel: should_fault_around(), do_fault_around() -> filemap_map_pages().
    private static bool FaultAround(MmStruct mm, Vma vma, in Slot slot, ulong address)
    {
        var system = mm.System;
        ulong pages = FaultAroundBytes >> system.PageShift;
        if (pages <= 1)
            return false;
        var pte = system.Geometry[PageLevel.Pte];
        ulong pteIndex = (ulong)slot.Index;
        ulong vmaIndex = (address - vma.Start) >> system.PageShift;
        ulong from = Math.Max(pteIndex & ~(pages - 1), pteIndex - Math.Min(pteIndex, vmaIndex));
        ulong to = Math.Min(Math.Min(from + pages, (ulong)pte.Entries), pteIndex + (vma.Length >> system.PageShift) - vmaIndex);
        ulong tableStart = address - (pteIndex << system.PageShift);
        var file = vma.File!;
        bool mappedFault = false;
        for (ulong i = from; i < to; i++)
        {
            ulong a = tableStart + (i << system.PageShift);
            ulong index = vma.FileIndex(a, system.PageShift);
            if (index << system.PageShift >= file.Size)
                break;
            ulong pfn = file.Cache.Lookup(index);
            if (pfn == 0)
                continue;
            var neighbour = slot with { Index = (int)i };
            if (!mm.Tables.Get(neighbour).IsNone)
                continue;
            Folios.AddMap(mm, pfn);
            FaultHandler.Install(mm, neighbour, a, PageEntry.Page(pfn, PageProt.ForSharedMapping(mm.System, vma)));
            mappedFault |= i == pteIndex;
        }
        return mappedFault;
    }
}
