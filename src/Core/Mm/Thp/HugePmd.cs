using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// A PMD leaf mapping an anonymous transparent huge page or the huge zero page: allocation, rmap
/// accounting, and what zap, fork and mprotect do with a leaf they cover whole. A PMD mapping
/// counts once in every subpage's mapcount and holds one reference on the folio.
/// </summary>
/// Kernel: mm/huge_memory.c (folio_add_new_anon_rmap for a PMD, zap_huge_pmd(), copy_huge_pmd(), change_huge_pmd()).
public static class HugePmd
{
    /// <summary>A present PMD leaf of a THP-capable (not hugetlb) VMA.</summary>
    /// Kernel: pmd_trans_huge().
    public static bool IsLeaf(Vma vma, in Slot slot, in PageEntry entry) =>
        slot.Level == PageLevel.Pmd && entry.Kind == EntryKind.Page && !vma.IsHugetlb;

    /// <summary>As <see cref="IsLeaf(Vma, in Slot, in PageEntry)"/>, for where a walk stopped.</summary>
    public static bool IsLeaf(Vma vma, in WalkResult walk) => IsLeaf(vma, walk.Slot, walk.Entry);

    /// <summary>Kernel: is_huge_zero_pmd().</summary>
    public static bool IsHugeZero(MemorySystem system, in PageEntry entry) => system.HugeZero.Contains(entry.Frame);

    /// <summary>
    /// Allocates a zeroed PMD-order anonymous folio; false when the machine has no such block free
    /// (THP allocations never invoke the OOM killer: the caller falls back to base pages or fails).
    /// </summary>
    /// Kernel: vma_alloc_anon_folio_pmd() with GFP_TRANSHUGE(_LIGHT).
    public static bool TryAllocateFolio(MemorySystem system, bool zero, out ulong head)
    {
        int order = Thp.PmdOrder(system);
        if (!system.Memory.TryAllocate(order, zero, out head))
            return false;
        ulong nr = 1UL << order;
        system.Memory[head].Flags |= PageFlags.Thp;
        for (ulong i = 0; i < nr; i++)
            system.Memory[head + i].Flags |= PageFlags.Anon;
        return true;
    }

    /// <summary>The first mapping of a new THP: one PMD mapping, every subpage mapped once and exclusive.</summary>
    /// Kernel: folio_add_new_anon_rmap(folio, vma, haddr, RMAP_EXCLUSIVE) + add_mm_counter(MM_ANONPAGES, HPAGE_PMD_NR).
    public static void AddNewAnonMap(MmStruct mm, Vma vma, ulong head)
    {
        Folios.EnsureAnonVma(mm, vma);
        ulong nr = Thp.PmdPages(mm.System);
        for (ulong i = 0; i < nr; i++)
        {
            ref var d = ref mm.System.Memory[head + i];
            d.Flags |= PageFlags.Anon | PageFlags.AnonExclusive;
            d.MapCount = 1;
        }
        mm.System.Memory[head].EntireMapCount = 1;
        mm.AnonRss += (long)nr;
    }

    /// <summary>Sets or clears PageAnonExclusive on every subpage, as the PMD-level rmap calls do.</summary>
    public static void SetExclusive(MemorySystem system, ulong head, bool exclusive)
    {
        ulong nr = Thp.PmdPages(system);
        for (ulong i = 0; i < nr; i++)
        {
            ref var d = ref system.Memory[head + i];
            d.Flags = exclusive ? d.Flags | PageFlags.AnonExclusive : d.Flags & ~PageFlags.AnonExclusive;
        }
    }

    /// <summary>Drops one PMD mapping of the folio and its reference.</summary>
    /// Kernel: folio_remove_rmap_pmd() + add_mm_counter(-HPAGE_PMD_NR) + folio_put().
    public static void RemoveMap(MmStruct mm, ulong head)
    {
        var system = mm.System;
        ulong nr = Thp.PmdPages(system);
        for (ulong i = 0; i < nr; i++)
        {
            ref var d = ref system.Memory[head + i];
            if (d.MapCount <= 0)
                throw new InvalidOperationException($"VM_BUG_ON: unmapping THP pfn 0x{head + i:x} with mapcount {d.MapCount}");
            d.MapCount--;
        }
        if (--system.Memory[head].EntireMapCount < 0)
            throw new InvalidOperationException($"VM_BUG_ON: unmapping THP pfn 0x{head:x} by a PMD that does not map it");
        mm.AnonRss -= (long)nr;
        Folios.Put(system, head);
    }

    /// <summary>The new PMD leaf of a fault or collapse: dirty, writable where the VMA is.</summary>
    /// Kernel: mk_huge_pmd() + maybe_pmd_mkwrite(pmd_mkdirty()) in map_anon_folio_pmd().
    public static PageEntry NewAnonEntry(MemorySystem system, Vma vma, ulong head) =>
        PageEntry.Page(head, PageProt.MaybeWrite(vma, PageProt.Base(system, vma) | EntryFlags.Huge | EntryFlags.Dirty));

    /// <summary>Unmaps a whole PMD leaf. Kernel: zap_huge_pmd().</summary>
    public static void Zap(MmStruct mm, in Slot slot, ulong haddr)
    {
        var system = mm.System;
        var old = mm.Tables.Clear(slot, haddr);
        mm.Tables.FreeDeposited(haddr);
        if (IsHugeZero(system, old))
            return;
        if (old.Has(EntryFlags.Dirty))
            system.Memory[old.Frame].Flags |= PageFlags.Dirty;
        RemoveMap(mm, old.Frame);
    }

    /// <summary>
    /// Fork of a PMD leaf: the child shares the huge zero page as is; an anonymous THP is shared
    /// write-protected on both sides and stops being exclusive. uffd-wp travels only when the
    /// child VMA stays write-protect registered.
    /// </summary>
    /// Kernel: copy_huge_pmd().
    public static bool Copy(MmStruct parent, in Slot slot, MmStruct child, Vma dst, ulong haddr, PageEntry entry)
    {
        var system = parent.System;
        bool parentChanged = false;
        if (!IsHugeZero(system, entry))
        {
            ulong head = entry.Frame;
            ulong nr = Thp.PmdPages(system);
            for (ulong i = 0; i < nr; i++)
            {
                ref var d = ref system.Memory[head + i];
                d.Flags &= ~PageFlags.AnonExclusive;
                d.MapCount++;
            }
            system.Memory[head].RefCount++;
            system.Memory[head].EntireMapCount++;
            child.AnonRss += (long)nr;
            if (entry.Has(EntryFlags.Write))
            {
                entry = entry.With(EntryFlags.None, EntryFlags.Write);
                parent.Tables.Set(slot, haddr, entry);
                parentChanged = true;
            }
        }
        entry = entry.With(EntryFlags.None, EntryFlags.Young);
        if (!dst.Has(VmFlags.UffdWp))
            entry = entry.With(EntryFlags.None, EntryFlags.UffdWp);
        var childWalk = child.Tables.Walk(haddr, PageLevel.Pmd, allocate: true);
        if (childWalk.Level != PageLevel.Pmd)
            throw new InvalidOperationException("BUG: the child's walk to a PMD stopped above the PMD level");
        if (parent.Tables.Deposited.ContainsKey(haddr))
            child.Tables.Deposit(haddr);
        child.Tables.Set(childWalk.Slot, haddr, entry);
        return parentChanged;
    }
}
