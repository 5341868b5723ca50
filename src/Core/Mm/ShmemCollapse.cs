using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// MADV_COLLAPSE on shmem: each PMD-aligned block of the file under the range becomes one huge
/// folio in the page cache, filled from the small pages (zeroes for holes); the small pages are
/// unmapped from every address space, and the caller's VMA maps the new folio again. The kernel
/// maps it with a PMD leaf; here its subpages are mapped by PTEs (file THP PMD mappings are not
/// modelled), which pagemap cannot tell apart. Holes cannot be filled under a MISSING-registered
/// mapping (EBUSY).
/// </summary>
/// Kernel: hpage_collapse_scan_file(), collapse_file(), retract_page_tables(), collapse_pte_mapped_thp() (mm/khugepaged.c).
public static class ShmemCollapse
{
    public static Errno Range(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        var system = mm.System;
        if (vma.Has(VmFlags.NoHugePage) || Thp.PmdSize(system) is null)
            return Errno.EINVAL;
        ulong pmd = system.Geometry.PmdSize;
        int order = system.Geometry.PmdShift - system.PageShift;
        ulong pages = 1UL << order;
        ulong hstart = (start + pmd - 1) & ~(pmd - 1);
        ulong hend = end & ~(pmd - 1);
        for (ulong haddr = hstart; haddr < hend; haddr += pmd)
        {
            ulong first = vma.FileIndex(haddr, system.PageShift);
            if ((first & (pages - 1)) != 0 || (first + pages) << system.PageShift > vma.File!.Size)
                return Errno.EINVAL;
            var error = CollapseBlock(mm, vma, haddr, first, order);
            if (error != Errno.None)
                return error;
        }
        return Errno.None;
    }

    private static Errno CollapseBlock(MmStruct mm, Vma vma, ulong haddr, ulong first, int order)
    {
        var system = mm.System;
        var file = vma.File!;
        ulong pages = 1UL << order;
        ulong head = file.Cache.Lookup(first);
        if (head != 0 && system.Memory[head].Order == order && system.Memory.HeadOf(head) == head)
            return MapCallers(mm, vma, haddr, head, pages);
        bool holes = false;
        for (ulong i = 0; i < pages; i++)
            holes |= file.Cache.Lookup(first + i) == 0;
        if (holes && AnyMissingRegistered(system, file, first, first + pages))
            return Errno.EBUSY;
        if (!system.Memory.TryAllocate(order, zero: true, out ulong folio))
            return Errno.ENOMEM;
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
        return MapCallers(mm, vma, haddr, folio, pages);
    }

    /// <summary>The caller's VMA maps the huge folio again (collapse_pte_mapped_thp).</summary>
    private static Errno MapCallers(MmStruct mm, Vma vma, ulong haddr, ulong folio, ulong pages)
    {
        var system = mm.System;
        var flags = PageProt.ForSharedMapping(vma) | EntryFlags.Dirty;
        for (ulong i = 0; i < pages; i++)
        {
            ulong address = haddr + (i << system.PageShift);
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: true);
            if (walk.Level != PageLevel.Pte || !walk.Entry.IsNone)
                continue;
            Folios.AddMap(mm, folio + i);
            mm.Tables.Set(walk.Slot, address, PageEntry.Page(folio + i, flags));
        }
        return Errno.None;
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
