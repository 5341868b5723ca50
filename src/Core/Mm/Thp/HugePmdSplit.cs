using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// Replaces a PMD leaf by a PTE table mapping the same frames: the huge zero page becomes small
/// zero-page entries; a THP becomes one entry per subpage with the leaf's write, dirty, young,
/// soft-dirty and uffd-wp bits. Each subpage keeps its mapcount (the PMD mapping turns into its
/// PTE mapping) and the folio gains one reference per extra entry.
/// </summary>
/// Kernel: __split_huge_pmd() -> __split_huge_pmd_locked(), __split_huge_zero_page_pmd().
public static class HugePmdSplit
{
    /// <summary>Splits the leaf in <paramref name="slot"/>; does nothing when the slot holds no leaf.</summary>
    public static void Split(MmStruct mm, Vma vma, in Slot slot, ulong address)
    {
        var system = mm.System;
        var tables = mm.Tables;
        var entry = tables.Get(slot);
        if (entry.Kind != EntryKind.Page || slot.Level != PageLevel.Pmd)
            return;
        ulong pmdSize = system.Geometry.PmdSize;
        ulong haddr = address & ~(pmdSize - 1);
        tables.Clear(slot, haddr);
        system.Ops.FlushTlbRange(haddr, haddr + pmdSize, system.Geometry.PmdShift);

        bool zero = HugePmd.IsHugeZero(system, entry);
        const EntryFlags kept = EntryFlags.Write | EntryFlags.Dirty | EntryFlags.Young | EntryFlags.SoftDirty | EntryFlags.UffdWp;
        var baseFlags = PageProt.Base(mm.System, vma) | (entry.Flags & (zero ? EntryFlags.UffdWp : kept));
        if (zero)
            baseFlags = (baseFlags | EntryFlags.Special) & ~EntryFlags.Write;

        ulong table = tables.TryWithdraw(haddr, out ulong deposited) ? deposited : tables.AllocateTable(PageLevel.Pte, haddr);
        ulong nr = Thp.PmdPages(system);
        var ops = system.Ops;
        for (ulong i = 0; i < nr; i++)
        {
            ulong at = haddr + (i << system.PageShift);
            ulong pfn = zero ? system.Zero.PfnFor(at) : entry.Frame + i;
            tables.WriteRaw(new Slot(table, (int)i, PageLevel.Pte), ops.PrepareSet(PageLevel.Pte, at, PageEntry.Page(pfn, baseFlags)));
        }
        if (!zero)
        {
            ref var head = ref system.Memory[entry.Frame];
            head.RefCount += (int)nr - 1;
            head.EntireMapCount--;
        }
        ops.Record("split_huge_pmd", PageLevel.Pmd, haddr, 0, entry.Frame);
        ulong raw = ops.Codec.Encode(PageLevel.Pmd, PageEntry.Table(table));
        tables.WriteRaw(slot, raw);
        ops.Record("pmd_populate", PageLevel.Pmd, haddr, raw, table);
    }

    /// <summary>
    /// A VMA boundary is about to fall at <paramref name="address"/>: a leaf straddling it cannot
    /// stay whole.
    /// </summary>
    /// Kernel: vma_adjust_trans_huge() -> split_huge_pmd_if_needed().
    public static void AdjustForVmaSplit(MmStruct mm, ulong address)
    {
        if ((address & (mm.System.Geometry.PmdSize - 1)) == 0 || mm.Vmas.Find(address) is not { } vma || vma.Start == address)
            return;
        var walk = mm.Tables.Walk(address, PageLevel.Pmd, allocate: false);
        if (HugePmd.IsLeaf(vma, walk))
            Split(mm, vma, walk.Slot, address);
    }
}
