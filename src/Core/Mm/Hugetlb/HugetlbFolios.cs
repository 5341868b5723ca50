using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Map counting of huge folios, kept on the head page as the folio's entire mapcount. Hugetlb pages
/// are not counted in RSS (the kernel counts them apart, in hugetlb_usage).
/// </summary>
/// Kernel: hugetlb_add_new_anon_rmap(), hugetlb_add_file_rmap(), hugetlb_remove_rmap(), folio_put().
public static class HugetlbFolios
{
    /// <summary>A fresh anonymous huge page in a private mapping: exclusive, mapped once, its reservation used.</summary>
    public static void AddNewAnon(MmStruct mm, Vma vma, ulong pfn)
    {
        Folios.EnsureAnonVma(mm, vma);
        ref var d = ref mm.System.Memory[pfn];
        d.Flags = (d.Flags | PageFlags.Anon | PageFlags.AnonExclusive) & ~PageFlags.HugetlbRestoreReserve;
        d.MapCount = 1;
    }

    /// <summary>Another mapping of an existing huge page (page cache, or fork).</summary>
    public static void AddMap(MemorySystem system, ulong pfn)
    {
        ref var d = ref system.Memory[pfn];
        d.MapCount++;
        d.RefCount++;
    }

    /// <summary>Drops one mapping and its reference; the last reference returns the page to its pool.</summary>
    public static void Unmap(MemorySystem system, ulong pfn)
    {
        ref var d = ref system.Memory[pfn];
        if (d.MapCount <= 0)
            throw new InvalidOperationException($"VM_BUG_ON: unmapping huge pfn 0x{pfn:x} with mapcount {d.MapCount}");
        d.MapCount--;
        Folios.Put(system, pfn);
    }

    public static bool IsAnon(MemorySystem system, ulong pfn) => (system.Memory[pfn].Flags & PageFlags.Anon) != 0;

    /// <summary>Zeroes a new huge page. Kernel: folio_zero_user().</summary>
    public static void Zero(MemorySystem system, HugetlbPool pool, ulong pfn) => system.Memory.Data(pfn, pool.Order).Clear();
}
