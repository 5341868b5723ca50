using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Builds a child address space: every VMA but MADV_DONTFORK ones is copied; private VMAs with
/// anonymous pages have their tables copied with copy-on-write; shared VMAs refault in the child.
/// Anonymous pages that may be pinned for DMA are copied for the child at once (a THP is split
/// first, so that only its pages are copied).
/// </summary>
/// Kernel: dup_mmap() -> copy_page_range() -> copy_pte_range() / copy_present_pte() / copy_nonpresent_pte().
public static class Fork
{
    /// <summary>
    /// Copies the VMAs and tables. <paramref name="childContext"/> gives, per parent VMA, the context
    /// the child's copy is registered with, or null (the userfaultfd layer decides). Null, with
    /// <paramref name="error"/>, when the fork fails, the partial child torn down as dup_mmap()
    /// undoes a failed copy: ENOMEM when an accounted VMA is larger than the machine's memory (each
    /// is checked again for the child), when the parent was killed on the way (the OOM killer, at a
    /// checkpoint), or when no huge page is left for a pinned page's copy.
    /// </summary>
    public static MmStruct? Copy(MmStruct parent, Func<Vma, MmStruct, IUserfaultContext?> childContext, out Errno error)
    {
        error = Errno.None;
        var system = parent.System;
        var child = system.CreateMm();
        child.InFork = true;
        child.NextFree = parent.NextFree;
        bool parentChanged = false;
        foreach (var vma in parent.Vmas.All)
        {
            if (vma.Has(VmFlags.DontFork))
                continue;
            if (!system.Checkpoint(parent) || (vma.Has(VmFlags.Account) && !Overcommit.Allows(system, vma.Length)))
            {
                error = Errno.ENOMEM;
                break;
            }
            var copy = vma.CloneRange(vma.Start, vma.End, system.PageShift);
            copy.Uffd = childContext(vma, child);
            copy.HugetlbResv = null;
            copy.HugetlbResvUnmapped = false;
            if (copy.Uffd is null)
                copy.Flags &= ~VmFlags.UffdMask;
            if (copy.File is { } file)
                file.References++;
            child.Vmas.Insert(copy);
            if (!NeedsTableCopy(vma, copy))
                continue;
            if (!vma.IsHugetlb)
            {
                parentChanged |= CopyRange(parent, vma, child, copy);
                continue;
            }
            error = HugetlbFork.CopyRange(parent, vma, child, copy, out bool hugeChanged);
            parentChanged |= hugeChanged;
            if (error != Errno.None)
                break;
        }
        if (parentChanged)
            system.Ops.FlushTlbMm();
        child.InFork = false;
        if (error == Errno.None && parent.OomKilled)
            error = Errno.ENOMEM;
        if (error == Errno.None)
            return child;
        system.DestroyMm(child);
        return null;
    }

    /// <summary>Kernel: vma_needs_copy() — anon pages, or uffd-wp state that must survive.</summary>
    private static bool NeedsTableCopy(Vma parent, Vma child) =>
        parent.AnonVma != 0 || child.Has(VmFlags.UffdWp);

    private static bool CopyRange(MmStruct parent, Vma src, MmStruct child, Vma dst)
    {
        var walk = new CopyWalk(parent, src, child, dst, dst.Has(VmFlags.UffdWp));
        PageWalk.Range(parent.Tables, src.Start, src.End, ref walk);
        return walk.ParentChanged;
    }

    /// <summary>
    /// Kernel: copy_pud_range() .. copy_pte_range(), copy_huge_pmd(). The OOM killer gets its say
    /// before each table and between two entries (each may copy a pinned page): a killed parent stops the copy.
    /// </summary>
    private struct CopyWalk(MmStruct parent, Vma src, MmStruct child, Vma dst, bool keepWp) : IPageWalkOps
    {
        public bool ParentChanged;

        public readonly WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) =>
            parent.System.Checkpoint(parent) ? WalkAction.Continue : WalkAction.Stop;

        public readonly WalkAction Hole(in Slot slot, ulong start, ulong end) => WalkAction.Continue;

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            if (!HugePmd.IsLeaf(src, slot, entry))
                throw new InvalidOperationException($"BUG: fork found a huge {slot.Level.KernelName()} entry; huge copies are not modelled here");
            if (!parent.System.Checkpoint(parent))
                return WalkAction.Stop;
            if (NeedsCowForDma(parent, src, entry.Frame))
            {
                // copy_huge_pmd() gives up on a maybe-pinned THP: split it and copy its PTEs.
                HugePmdSplit.Split(parent, src, slot, start);
                return WalkAction.Again;
            }
            ParentChanged |= HugePmd.Copy(parent, slot, child, dst, start, entry);
            return WalkAction.Continue;
        }

        public readonly WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) =>
            throw new InvalidOperationException($"BUG: fork found a hugepd at 0x{start:x} outside a hugetlb VMA");

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = parent.System;
            var slot = first;
            for (ulong address = start; address < end; address += system.PageSize, slot = slot.Next())
            {
                if (!system.Checkpoint(parent))
                    return WalkAction.Stop;
                var entry = parent.Tables.Get(slot);
                if (entry.Kind == EntryKind.Page)
                    ParentChanged |= CopyPresent(parent, src, slot, child, address, entry, keepWp);
                else if (PteMarker.IsMarker(entry))
                    CopyMarker(child, address, entry, keepWp);
            }
            return WalkAction.Continue;
        }
    }

    /// <summary>Kernel: copy_present_pte() — shares the page read-only on both sides of a COW mapping.</summary>
    private static bool CopyPresent(MmStruct parent, Vma src, in Slot slot, MmStruct child, ulong address, PageEntry entry, bool keepWp)
    {
        var system = parent.System;
        bool parentChanged = false;
        bool normal = !system.Zero.IsZero(entry.Frame) && !entry.Has(EntryFlags.Special);
        if (normal && NeedsCowForDma(parent, src, entry.Frame))
        {
            CopyPinned(child, src, address, entry, keepWp);
            return false;
        }
        if (normal)
        {
            ref var d = ref system.Memory[entry.Frame];
            d.Flags &= ~PageFlags.AnonExclusive;
            Folios.AddMap(child, entry.Frame);
        }
        if (src.IsCowMapping && entry.Has(EntryFlags.Write))
        {
            entry = entry.With(EntryFlags.None, EntryFlags.Write);
            parent.Tables.Set(slot, address, entry);
            parentChanged = true;
        }
        if (src.IsShared)
            entry = entry.With(EntryFlags.None, EntryFlags.Dirty);
        entry = entry.With(EntryFlags.None, EntryFlags.Young);
        if (!keepWp)
            entry = entry.With(EntryFlags.None, EntryFlags.UffdWp);
        var childWalk = child.Tables.Walk(address, PageLevel.Pte, allocate: true);
        child.Tables.Set(childWalk.Slot, address, entry);
        return parentChanged;
    }

    /// <summary>
    /// Kernel: folio_needs_cow_for_dma() on an exclusive anonymous page — a COW mapping of an mm that
    /// ever pinned (MMF_HAS_PINNED), and a folio that may be pinned.
    /// </summary>
    private static bool NeedsCowForDma(MmStruct parent, Vma src, ulong pfn) =>
        src.IsCowMapping && parent.HasPinned && Folios.IsAnon(parent.System, pfn) && Folios.IsAnonExclusive(parent.System, pfn)
        && Folios.MaybeDmaPinned(parent.System, pfn);

    /// <summary>
    /// A page that may be pinned for DMA must stay the parent's: the child gets its own copy at once.
    /// </summary>
    /// Kernel: copy_present_page() (the folio_needs_cow_for_dma() case of copy_present_ptes()).
    private static void CopyPinned(MmStruct child, Vma src, ulong address, in PageEntry entry, bool keepWp)
    {
        var system = child.System;
        ulong pfn = Folios.AllocateAnon(system, zero: false);
        system.Memory.Data(entry.Frame).CopyTo(system.Memory.Data(pfn));
        var dst = child.Vmas.Find(address)!;
        Folios.AddNewAnonMap(child, dst, pfn);
        var flags = PageProt.MaybeWrite(src, PageProt.Base(system, src) | EntryFlags.Dirty);
        if (keepWp && entry.Has(EntryFlags.UffdWp))
            flags = (flags | EntryFlags.UffdWp) & ~EntryFlags.Write;
        var childWalk = child.Tables.Walk(address, PageLevel.Pte, allocate: true);
        child.Tables.Set(childWalk.Slot, address, PageEntry.Page(pfn, flags));
    }

    /// <summary>Kernel: copy_nonpresent_pte() — poison markers always travel, uffd-wp markers only with the registration.</summary>
    private static void CopyMarker(MmStruct child, ulong address, in PageEntry entry, bool keepWp)
    {
        ulong bits = entry.Frame;
        if (!keepWp)
            bits &= ~PteMarker.UffdWp;
        if (bits == 0)
            return;
        var childWalk = child.Tables.Walk(address, PageLevel.Pte, allocate: true);
        child.Tables.Set(childWalk.Slot, address, PteMarker.Make(bits));
    }
}
