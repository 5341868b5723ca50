using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// MADV_COLLAPSE on shmem, block by PMD-aligned block of the file under the range. A VMA that
/// cannot hold an aligned block (too small, or its file offset not aligned as its address is) and
/// a range strictly inside one block are refused with EINVAL, before any block. First the file:
/// the small pages become one huge folio in the page cache, filled from them (zeroes for holes),
/// and are unmapped from every address space; a block with no page at all is not collapsed
/// (EINVAL, the walk stops), nor one with holes under a MISSING-registered mapping (EBUSY). Then
/// the caller's mapping: each entry of the block must be empty or map the folio's own subpage, so
/// a private mapping that holds copy-on-write pages there fails (EINVAL, the walk stops) although
/// the file was collapsed; a uffd-wp registered mapping, or one with non-present entries there,
/// keeps its table (EINVAL at the end, the walk goes on). The kernel maps a collapsed block with a
/// PMD leaf; here its subpages are mapped by PTEs (file THP PMD mappings are not modelled), which
/// pagemap cannot tell apart. The sysfs shmem THP setting does not matter: the collapse forces
/// huge pages unless the setting is `deny`, which the emulator does not model.
/// </summary>
/// Kernel: madvise_collapse(), hpage_collapse_scan_file(), collapse_file() (SCAN_TRUNCATED,
/// SCAN_EXCEED_NONE_PTE), collapse_pte_mapped_thp(), madvise_collapse_errno() (mm/khugepaged.c);
/// shmem_allowable_huge_orders() with shmem_huge_force (mm/shmem.c).
public static class ShmemCollapse
{
    /// <summary>The outcomes of one block, as the kernel's scan results that matter here.</summary>
    private enum Scan
    {
        Succeed,
        Truncated,
        ExceedNonePte,
        PteUffdWp,
        PteNonPresent,
        AllocHugePageFail,
        Fail,
    }

    public static Errno Range(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        var system = mm.System;
        if (vma.Has(VmFlags.NoHugePage) || Thp.PmdSize(system) is null || !Thp.HoldsAlignedBlock(system, vma))
            return Errno.EINVAL;
        ulong pmd = system.Geometry.PmdSize;
        int order = system.Geometry.PmdShift - system.PageShift;
        ulong pages = 1UL << order;
        ulong hstart = (start + pmd - 1) & ~(pmd - 1);
        ulong hend = end & ~(pmd - 1);
        if (hend < hstart)
            return Errno.EINVAL;
        var lastFail = Scan.Succeed;
        for (ulong haddr = hstart; haddr < hend; haddr += pmd)
        {
            ulong first = vma.FileIndex(haddr, system.PageShift);
            if ((first + pages) << system.PageShift > vma.File!.Size)
                return Errno.EINVAL;
            var result = CollapseBlock(mm, vma, haddr, first, order);
            if (result == Scan.Succeed)
                continue;
            lastFail = result;
            if (result is not (Scan.PteUffdWp or Scan.PteNonPresent))
                break;
        }
        return lastFail switch
        {
            Scan.Succeed => Errno.None,
            Scan.ExceedNonePte => Errno.EBUSY,
            Scan.AllocHugePageFail => Errno.ENOMEM,
            _ => Errno.EINVAL,
        };
    }

    private static Scan CollapseBlock(MmStruct mm, Vma vma, ulong haddr, ulong first, int order)
    {
        var system = mm.System;
        var file = vma.File!;
        ulong pages = 1UL << order;
        ulong head = file.Cache.Lookup(first);
        if (head != 0 && system.Memory[head].Order == order && system.Memory.HeadOf(head) == head)
            return MapCaller(mm, vma, haddr, head, pages);
        ulong present = 0;
        for (ulong i = 0; i < pages; i++)
        {
            if (file.Cache.Lookup(first + i) != 0)
                present++;
        }
        if (present == 0)
            return Scan.Truncated;
        if (present < pages && AnyMissingRegistered(system, file, first, first + pages))
            return Scan.ExceedNonePte;
        if (!system.Memory.TryAllocate(order, zero: true, out ulong folio))
            return Scan.AllocHugePageFail;
        Advise.PunchMappings(system, file, first, first + pages);
        for (ulong i = 0; i < pages; i++)
        {
            ulong old = file.Cache.Lookup(first + i);
            if (old != 0)
            {
                system.Memory.Data(old).CopyTo(system.Memory.Data(folio + i));
                system.Memory[old].Flags &= ~PageFlags.PageCache;
                Folios.Put(system, old);
            }
            ref var d = ref system.Memory[folio + i];
            d.Flags |= PageFlags.PageCache | PageFlags.Dirty;
            d.Owner = file.Id;
            d.Index = first + i;
            file.Cache.Store(first + i, folio + i);
        }
        system.Memory[folio].RefCount = (int)pages;
        return MapCaller(mm, vma, haddr, folio, pages);
    }

    /// <summary>
    /// The caller's VMA maps the huge folio again, if its entries there allow it: empty ones are
    /// filled, ones that map the folio's own subpages stay.
    /// </summary>
    /// Kernel: collapse_pte_mapped_thp().
    private static Scan MapCaller(MmStruct mm, Vma vma, ulong haddr, ulong folio, ulong pages)
    {
        var system = mm.System;
        if (vma.Has(VmFlags.UffdWp))
            return Scan.PteUffdWp;
        for (ulong i = 0; i < pages; i++)
        {
            var walk = mm.Tables.Walk(haddr + (i << system.PageShift), PageLevel.Pte, allocate: false);
            if (walk.Level != PageLevel.Pte || walk.Entry.IsNone)
                continue;
            if (walk.Entry.Kind != EntryKind.Page)
                return Scan.PteNonPresent;
            if (walk.Entry.Frame != folio + i)
                return Scan.Fail;
        }
        var flags = PageProt.ForSharedMapping(mm.System, vma) | EntryFlags.Dirty;
        for (ulong i = 0; i < pages; i++)
        {
            ulong address = haddr + (i << system.PageShift);
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: true);
            if (walk.Level != PageLevel.Pte || !walk.Entry.IsNone)
                continue;
            Folios.AddMap(mm, folio + i);
            mm.Tables.Set(walk.Slot, address, PageEntry.Page(folio + i, flags));
        }
        return Scan.Succeed;
    }

    private static bool AnyMissingRegistered(MemorySystem system, MemoryFile file, ulong first, ulong last)
    {
        foreach (var (_, vma, _, _) in FileMappings.Of(system, file, first, last))
        {
            if (vma.Has(VmFlags.UffdMissing))
                return true;
        }
        return false;
    }
}
