using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// MADV_COLLAPSE on anonymous memory: every PMD-aligned block of the range that is mapped by a PTE
/// table becomes one new THP mapped by a PMD leaf, with the old pages' contents (zeroes for empty
/// and zero-page entries). The sysfs policy is ignored; VM_NOHUGEPAGE, a VMA without anonymous
/// memory yet, or one too small for an aligned block refuse with EINVAL, and so does a range that
/// lies strictly inside one block. Linux 6.18 collapses read-only entries too (6.12 refused them
/// with SCAN_PAGE_RO): verified live. A page with a reference beyond its mappings (a GUP pin) is
/// not collapsed: EAGAIN, try again later.
/// </summary>
/// Kernel: madvise_collapse(), hpage_collapse_scan_pmd(), is_refcount_suitable(), collapse_huge_page(),
/// madvise_collapse_errno() (mm/khugepaged.c).
public static class Collapse
{
    /// <summary>Why one block was not collapsed, as the kernel's scan results that matter here.</summary>
    private enum Scan
    {
        Succeed,
        PmdMapped,
        PmdNull,
        PmdNone,
        ExceedNonePte,
        PteUffdWp,
        PteNonPresent,
        PageReadOnly,
        AllocHugePageFail,
        PageCount,
    }

    /// <summary>Applies MADV_COLLAPSE to [start, end); ENOMEM when part of the range is unmapped.</summary>
    /// Kernel: madvise_walk_vmas() -> madvise_collapse().
    public static Errno Madvise(MmStruct mm, ulong start, ulong end)
    {
        var vmas = mm.Vmas.Intersecting(start, end);
        if (vmas.Count == 0)
            return Errno.ENOMEM;
        bool hole = vmas[0].Start > start || vmas[^1].End < end;
        for (int i = 1; i < vmas.Count; i++)
            hole |= vmas[i - 1].End < vmas[i].Start;
        foreach (var vma in vmas)
        {
            var error = CollapseVma(mm, vma, Math.Max(start, vma.Start), Math.Min(end, vma.End));
            if (error != Errno.None)
                return error;
        }
        return hole ? Errno.ENOMEM : Errno.None;
    }

    private static Errno CollapseVma(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        var system = mm.System;
        if (vma.IsShmem)
            return ShmemCollapse.Range(mm, vma, start, end);
        if (!Thp.VmaAllowed(system, vma, inFault: false))
            return Errno.EINVAL;
        ulong pmd = system.Geometry.PmdSize;
        ulong hstart = (start + pmd - 1) & ~(pmd - 1);
        ulong hend = end & ~(pmd - 1);
        ulong thps = 0;
        var lastFail = Scan.PmdNull;
        for (ulong addr = hstart; addr < hend; addr += pmd)
        {
            var result = ScanPmd(mm, vma, addr);
            if (result is Scan.Succeed or Scan.PmdMapped)
            {
                thps++;
                continue;
            }
            lastFail = result;
            if (result is Scan.PmdNone or Scan.ExceedNonePte or Scan.AllocHugePageFail)
                break;
        }
        if (BlocksDone(hstart, hend, pmd, thps))
            return Errno.None;
        return lastFail switch
        {
            Scan.ExceedNonePte when mm.System.Kernel.CollapseTellsBusy => Errno.EBUSY,
            Scan.AllocHugePageFail => Errno.ENOMEM,
            Scan.PageCount => Errno.EAGAIN,
            _ => Errno.EINVAL,
        };
    }

    /// <summary>
    /// Whether every whole aligned block of the range was collapsed. A range with no whole block
    /// succeeds only when its rounded ends meet (it crosses a block boundary or starts on one); one
    /// that lies strictly inside a single block fails with EINVAL, as the kernel's unsigned
    /// block count of such a range is never reached.
    /// </summary>
    /// Kernel: the return statement of madvise_collapse().
    internal static bool BlocksDone(ulong hstart, ulong hend, ulong pmd, ulong thps) =>
        hend >= hstart && thps == (hend - hstart) / pmd;

    /// <summary>Kernel: hpage_collapse_scan_pmd() for MADV_COLLAPSE (no max_ptes_* limits).</summary>
    private static Scan ScanPmd(MmStruct mm, Vma vma, ulong haddr)
    {
        var system = mm.System;
        var walk = mm.Tables.Walk(haddr, PageLevel.Pmd, allocate: false);
        if (walk.Level != PageLevel.Pmd)
            return Scan.PmdNull;
        if (walk.Entry.IsNone)
            return Scan.PmdNone;
        if (walk.Entry.Kind == EntryKind.Page)
            return Scan.PmdMapped;
        if (walk.Entry.Kind != EntryKind.Table)
            return Scan.PmdNull;
        bool armed = vma.Has(VmFlags.UffdMissing) || vma.Has(VmFlags.UffdWp);
        ulong table = walk.Entry.Frame;
        ulong nr = Thp.PmdPages(system);
        bool writable = false;
        for (ulong i = 0; i < nr; i++)
        {
            var pte = mm.Tables.Get(new Slot(table, (int)i, PageLevel.Pte));
            if (pte.Kind == EntryKind.Swap)
            {
                if (PteMarker.IsUffdWp(pte) || pte.Has(EntryFlags.UffdWp))
                    return Scan.PteUffdWp;
                return Scan.PteNonPresent;
            }
            if (pte.IsNone || system.Zero.IsZero(pte.Frame))
            {
                if (armed)
                    return Scan.ExceedNonePte;
                continue;
            }
            if (pte.Has(EntryFlags.UffdWp))
                return Scan.PteUffdWp;
            if (!RefcountSuitable(system, pte.Frame))
                return Scan.PageCount;
            writable |= pte.Has(EntryFlags.Write);
        }
        if (!writable && system.Kernel.CollapseNeedsWritablePte)
            return Scan.PageReadOnly;
        if (!HugePmd.TryAllocateFolio(system, zero: true, out ulong head))
            return Scan.AllocHugePageFail;
        CollapseHugePage(mm, vma, walk.Slot, table, haddr, head);
        return Scan.Succeed;
    }

    /// <summary>
    /// Only the mappings may hold the folio: anything more (a pin, a GUP in flight) could still
    /// reach the old pages after the copy.
    /// </summary>
    /// Kernel: is_refcount_suitable() for an anonymous folio outside the swap cache.
    private static bool RefcountSuitable(MemorySystem system, ulong pfn)
    {
        ulong head = system.Memory.HeadOf(pfn);
        return system.Memory[head].RefCount == Folios.MapCountOf(system, head);
    }

    /// <summary>
    /// Copies the block into a new THP, drops the old entries and their pages, deposits the emptied
    /// PTE table for the new leaf and maps the THP by the PMD.
    /// </summary>
    /// Kernel: collapse_huge_page() -> __collapse_huge_page_copy(), pmdp_collapse_flush(), map the new pmd.
    private static void CollapseHugePage(MmStruct mm, Vma vma, in Slot pmdSlot, ulong table, ulong haddr, ulong head)
    {
        var system = mm.System;
        ulong nr = Thp.PmdPages(system);
        mm.Tables.Clear(pmdSlot, haddr);
        system.Ops.FlushTlbRange(haddr, haddr + system.Geometry.PmdSize, system.PageShift);
        for (ulong i = 0; i < nr; i++)
        {
            var slot = new Slot(table, (int)i, PageLevel.Pte);
            var pte = mm.Tables.Get(slot);
            if (pte.Kind != EntryKind.Page)
                continue;
            mm.Tables.WriteRaw(slot, 0);
            if (system.Zero.IsZero(pte.Frame) || pte.Has(EntryFlags.Special))
                continue;
            system.Memory.Data(pte.Frame).CopyTo(system.Memory.Data(head + i));
            Folios.RemoveMap(mm, pte.Frame);
        }
        mm.Tables.Deposit(haddr, table);
        HugePmd.AddNewAnonMap(mm, vma, head);
        FaultHandler.Install(mm, pmdSlot, haddr, HugePmd.NewAnonEntry(mm.System, vma, head));
    }
}
