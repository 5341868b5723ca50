using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>Reference and map counting of pages, and freeing when the last reference goes.</summary>
/// Kernel: folio_get()/folio_put(), folio_add_new_anon_rmap(), folio_add_file_rmap_pte(), folio_remove_rmap_pte().
public static class Folios
{
    /// <summary>Allocates a zeroed (or uninitialised, when the caller overwrites it) page for anonymous use.</summary>
    public static ulong AllocateAnon(MemorySystem system, bool zero)
    {
        ulong pfn = system.Memory.Allocate(0, zero);
        system.Memory[pfn].Flags |= PageFlags.Anon;
        return pfn;
    }

    public static void Get(MemorySystem system, ulong pfn) => system.Memory[system.Memory.HeadOf(pfn)].RefCount++;

    public static void Put(MemorySystem system, ulong pfn)
    {
        ulong head = system.Memory.HeadOf(pfn);
        ref var d = ref system.Memory[head];
        if (d.RefCount <= 0)
            throw new InvalidOperationException($"VM_BUG_ON: put of pfn 0x{head:x} with refcount {d.RefCount}");
        if (--d.RefCount == 0)
        {
            if (d.MapCount != 0)
                throw new InvalidOperationException($"VM_BUG_ON: freeing pfn 0x{head:x} still mapped {d.MapCount} times");
            if ((d.Flags & PageFlags.Hugetlb) != 0)
                system.Hugetlb.ForShift(d.Order + system.PageShift)!.Release(head);
            else
                system.Memory.Free(head, d.Order);
        }
    }

    /// <summary>The first mapping of a fresh anonymous page: mapcount 1, exclusive. Kernel: folio_add_new_anon_rmap().</summary>
    public static void AddNewAnonMap(MmStruct mm, Vma vma, ulong pfn)
    {
        EnsureAnonVma(mm, vma);
        ref var d = ref mm.System.Memory[pfn];
        d.Flags |= PageFlags.Anon | PageFlags.AnonExclusive;
        d.MapCount = 1;
        mm.AnonRss++;
    }

    /// <summary>Another mapping of an existing page (fork, file mapping). Kernel: folio_dup_*_rmap / folio_add_file_rmap_pte.</summary>
    public static void AddMap(MmStruct mm, ulong pfn)
    {
        ref var d = ref mm.System.Memory[pfn];
        d.MapCount++;
        mm.System.Memory[mm.System.Memory.HeadOf(pfn)].RefCount++;
        if ((d.Flags & PageFlags.Anon) != 0)
            mm.AnonRss++;
        else
            mm.FileRss++;
    }

    /// <summary>Drops one mapping and its reference. Kernel: folio_remove_rmap_pte() + folio_put().</summary>
    public static void RemoveMap(MmStruct mm, ulong pfn)
    {
        ref var d = ref mm.System.Memory[pfn];
        if (d.MapCount <= 0)
            throw new InvalidOperationException($"VM_BUG_ON: unmapping pfn 0x{pfn:x} with mapcount {d.MapCount}");
        d.MapCount--;
        if ((d.Flags & PageFlags.Anon) != 0)
            mm.AnonRss--;
        else
            mm.FileRss--;
        Put(mm.System, pfn);
    }

    /// <summary>Kernel: anon_vma_prepare().</summary>
    public static void EnsureAnonVma(MmStruct mm, Vma vma)
    {
        if (vma.AnonVma == 0)
            vma.AnonVma = mm.System.NewAnonVmaId();
    }

    /// <summary>Whether the folio of <paramref name="pfn"/> is anonymous: a folio-wide fact, kept on the head.</summary>
    /// Kernel: folio_test_anon(page_folio(page)).
    public static bool IsAnon(MemorySystem system, ulong pfn) =>
        (system.Memory[system.Memory.HeadOf(pfn)].Flags & PageFlags.Anon) != 0;

    /// <summary>
    /// Whether the page is known to be mapped by one process only: per page for small folios and
    /// THPs, on the head for hugetlb, which maps the folio as a whole.
    /// </summary>
    /// Kernel: PageAnonExclusive().
    public static bool IsAnonExclusive(MemorySystem system, ulong pfn)
    {
        ulong head = system.Memory.HeadOf(pfn);
        ulong page = (system.Memory[head].Flags & PageFlags.Hugetlb) != 0 ? head : pfn;
        return (system.Memory[page].Flags & PageFlags.AnonExclusive) != 0;
    }

    /// <summary>
    /// The mappings of the folio headed by <paramref name="head"/>: every PTE and every PMD leaf once
    /// (a hugetlb folio keeps its entries' count on the head).
    /// </summary>
    /// Kernel: folio_mapcount().
    public static long MapCountOf(MemorySystem system, ulong head)
    {
        ref var h = ref system.Memory[head];
        if (h.Order == 0 || (h.Flags & PageFlags.Hugetlb) != 0)
            return h.MapCount;
        ulong nr = 1UL << h.Order;
        long sum = 0;
        for (ulong i = 0; i < nr; i++)
            sum += system.Memory[head + i].MapCount;
        return sum - (long)(nr - 1) * h.EntireMapCount;
    }

    /// <summary>What one pin adds to a small page's refcount. Kernel: GUP_PIN_COUNTING_BIAS.</summary>
    public const int PinBias = 1024;

    /// <summary>Kernel: folio_maybe_dma_pinned() — false positives possible for small pages with many references.</summary>
    public static bool MaybeDmaPinned(MemorySystem system, ulong pfn)
    {
        ref var d = ref system.Memory[system.Memory.HeadOf(pfn)];
        return d.Order > 0 ? d.PinCount > 0 : d.RefCount >= PinBias;
    }
}
