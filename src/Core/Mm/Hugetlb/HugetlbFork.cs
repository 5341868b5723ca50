using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Fork of a hugetlb VMA whose tables are copied: each huge entry is shared with the child, both
/// sides write-protected in a private mapping (copy-on-write); poison markers always travel,
/// uffd-wp bits and markers only when the child stays WP-registered. An anonymous page that may
/// be pinned for DMA stays the parent's: the child gets a copy at once, from the pool's
/// unreserved pages (the child owns no reservation), and the fork fails with ENOMEM without one.
/// </summary>
/// Kernel: copy_hugetlb_page_range(), hugetlb_try_dup_anon_rmap(), hugetlb_install_folio() (mm/hugetlb.c).
public static class HugetlbFork
{
    /// <param name="parentChanged">A parent entry was write-protected (the parent's TLB needs a flush).</param>
    public static Errno CopyRange(MmStruct parent, Vma src, MmStruct child, Vma dst, out bool parentChanged)
    {
        var size = Hugetlb.PoolOf(parent.System, src).Size;
        var walk = new CopyWalk(parent, src, child, dst, size, dst.Has(VmFlags.UffdWp));
        PageWalk.Hugetlb(parent.Tables, size, src.Start, src.End, ref walk);
        parentChanged = walk.ParentChanged;
        return walk.Error;
    }

    private struct CopyWalk(MmStruct parent, Vma src, MmStruct child, Vma dst, HugePageSize size, bool keepWp) : IHugetlbWalkOps
    {
        public bool ParentChanged;
        public Errno Error;

        public WalkAction Entry(in HugePte from, ulong address, ulong end)
        {
            var system = parent.System;
            var entry = HugePteOps.Get(parent.Tables, from);
            if (entry.IsNone)
                return WalkAction.Continue;
            if (PteMarker.IsMarker(entry))
            {
                ulong bits = keepWp ? entry.Frame : entry.Frame & ~PteMarker.UffdWp;
                if (bits != 0)
                    HugePteOps.Set(child.Tables, HugePteAlloc.Alloc(child.Tables, size, address), address, PteMarker.Make(bits));
                return WalkAction.Continue;
            }
            if (NeedsCowForDma(parent, src, entry.Frame))
            {
                Error = CopyPinned(child, dst, size, address, entry, keepWp);
                return Error == Errno.None ? WalkAction.Continue : WalkAction.Stop;
            }
            HugetlbFolios.AddMap(system, entry.Frame);
            system.Memory[entry.Frame].Flags &= ~PageFlags.AnonExclusive;
            if (src.IsCowMapping && entry.Has(EntryFlags.Write))
            {
                entry = entry.With(EntryFlags.None, EntryFlags.Write);
                HugePteOps.Set(parent.Tables, from, address, entry);
                ParentChanged = true;
            }
            if (!keepWp && system.Kernel.ForkClearsHugetlbWp)
                entry = entry.With(EntryFlags.None, EntryFlags.UffdWp);
            HugePteOps.Set(child.Tables, HugePteAlloc.Alloc(child.Tables, size, address), address, entry);
            return WalkAction.Continue;
        }

        public readonly WalkAction Hole(ulong start, ulong end) => WalkAction.Continue;
    }

    /// <summary>Kernel: folio_needs_cow_for_dma() for an exclusive anonymous hugetlb folio.</summary>
    private static bool NeedsCowForDma(MmStruct parent, Vma src, ulong head)
    {
        var system = parent.System;
        return src.IsCowMapping && parent.HasPinned && HugetlbFolios.IsAnon(system, head)
            && (system.Memory[head].Flags & PageFlags.AnonExclusive) != 0 && Folios.MaybeDmaPinned(system, head);
    }

    /// <summary>
    /// The child's own copy of a maybe-pinned page: dirty and young, writable where the VMA is,
    /// keeping the uffd-wp bit (and so no write) when the child stays WP-registered.
    /// </summary>
    /// Kernel: the folio_needs_cow_for_dma() branch of copy_hugetlb_page_range() -> hugetlb_install_folio().
    private static Errno CopyPinned(MmStruct child, Vma dst, HugePageSize size, ulong address, in PageEntry entry, bool keepWp)
    {
        var system = child.System;
        var pool = Hugetlb.PoolOf(system, dst);
        ulong pfn = HugetlbReserve.AllocFolio(system, dst, Hugetlb.HugeIndex(system, dst, address));
        if (pfn == 0)
            return Errno.ENOMEM;
        system.Memory.Data(entry.Frame, pool.Order).CopyTo(system.Memory.Data(pfn, pool.Order));
        HugetlbFolios.AddNewAnon(child, dst, pfn);
        var copy = HugetlbFault.MakeHugePte(child.System, dst, pfn, writable: dst.Has(VmFlags.Write));
        if (keepWp && entry.Has(EntryFlags.UffdWp))
            copy = copy.With(EntryFlags.UffdWp, EntryFlags.Write);
        HugePteOps.Set(child.Tables, HugePteAlloc.Alloc(child.Tables, size, address), address, copy);
        return Errno.None;
    }
}
