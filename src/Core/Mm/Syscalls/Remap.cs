using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// mremap of a whole mapping to a fresh place (MREMAP_MAYMOVE|MREMAP_FIXED into a gap): the checks,
/// the new VMA and the move of the page-table entries. Unmapping the shrunk tail and the old range
/// is left to the caller, which has userfaultfd events to prepare around each step.
/// </summary>
/// Kernel: mremap_to(), vma_to_resize(), move_vma() -> copy_vma() + move_page_tables() -> move_ptes() (mm/mremap.c).
public static class Remap
{
    /// <summary>
    /// The checks of mremap before any VMA is looked at: a page-aligned old address and a new
    /// length that is neither zero nor past the task size; both lengths come back page-aligned.
    /// </summary>
    /// Kernel: check_mremap_params().
    public static Errno CheckParams(PageGeometry geo, ulong address, ref ulong oldLength, ref ulong newLength)
    {
        if ((address & (geo.PageSize - 1)) != 0 || oldLength > geo.TaskSize || newLength > geo.TaskSize)
            return Errno.EINVAL;
        oldLength = (oldLength + geo.PageSize - 1) & geo.PageMask;
        newLength = (newLength + geo.PageSize - 1) & geo.PageMask;
        return newLength == 0 ? Errno.EINVAL : Errno.None;
    }

    /// <summary>
    /// The checks of one VMA to move to <paramref name="target"/>: on hugetlb both lengths round up
    /// to the huge page size, both addresses must be huge-page aligned and the mapping may not
    /// grow (EINVAL); then the part that moves may not run past the VMA (EFAULT). A shrinking
    /// range may run past it: the tail is unmapped whatever it covers.
    /// </summary>
    /// Kernel: check_prep_vma() (6.17+; the hugetlb part was in do_mremap() before).
    public static Errno CheckVma(Vma vma, ulong address, ulong target, ref ulong oldLength, ref ulong newLength)
    {
        if (vma.IsHugetlb)
        {
            ulong huge = 1UL << vma.File!.HugeShift;
            oldLength = (oldLength + huge - 1) & ~(huge - 1);
            newLength = (newLength + huge - 1) & ~(huge - 1);
            if (((address | target) & (huge - 1)) != 0 || newLength > oldLength)
                return Errno.EINVAL;
        }
        return Math.Min(oldLength, newLength) > vma.End - address ? Errno.EFAULT : Errno.None;
    }

    /// <summary>The length a VMA's mapping takes at its new place: hugetlb rounds up to whole huge pages.</summary>
    public static ulong PlacedLength(Vma vma, ulong length)
    {
        if (!vma.IsHugetlb)
            return length;
        ulong huge = 1UL << vma.File!.HugeShift;
        return (length + huge - 1) & ~(huge - 1);
    }

    /// <summary>
    /// Whether a VMA may be moved as one of several: not when it is registered with a userfaultfd
    /// (its events would need the lock dropped in the middle).
    /// </summary>
    /// Kernel: vma_multi_allowed() (6.17+).
    public static bool MayMoveWithOthers(Vma vma) => (vma.Flags & VmFlags.UffdMask) == 0;

    /// <summary>
    /// A gap for <paramref name="length"/> bytes of <paramref name="vma"/> placed as mmap places
    /// it: PMD-aligned and followed by at least a PMD of nothing; a hugetlb VMA aligned to its
    /// span and followed by nothing else in that span (a hugepd slot holds no normal table).
    /// </summary>
    /// Kernel: get_unmapped_area() -> hugetlb_get_unmapped_area(); arch/powerpc/mm/book3s64/slice.c.
    public static Errno FindGap(MmStruct mm, Vma vma, ulong length, out ulong address)
    {
        ulong align = UnmappedArea.Alignment(mm.System, vma);
        // The host backend uses up its target even when the move then fails, and so does this.
        if (!UnmappedArea.TryFind(mm, length, align, align, out address, out ulong nextFree))
            return Errno.ENOMEM;
        mm.NextFree = nextFree;
        return Errno.None;
    }

    /// <summary>
    /// Creates the VMA at <paramref name="to"/> for <paramref name="newLength"/> bytes and moves the
    /// entries of [from, from + moveLength) of <paramref name="vma"/> there. Unless
    /// <paramref name="keepUffd"/>, the new VMA is not registered and the uffd-wp bits and markers
    /// that travel with the entries are dropped.
    /// </summary>
    /// Kernel: move_vma() -> copy_vma(), move_page_tables(), mremap_userfaultfd_prep() / userfaultfd_reset_ctx(), clear_vma_resv_huge_pages().
    public static Vma MoveVma(MmStruct mm, Vma vma, ulong from, ulong to, ulong moveLength, ulong newLength, bool keepUffd)
    {
        int shift = mm.System.PageShift;
        var moved = vma.CloneRange(from, from + Math.Min(moveLength, vma.End - from), shift);
        moved.Start = to;
        moved.End = to + newLength;
        if (!keepUffd)
        {
            moved.Uffd = null;
            moved.Flags &= ~VmFlags.UffdMask;
        }
        if (moved.File is { } file)
            file.References++;
        // The private reservations travel with the new VMA; the old one gives up its claim, so
        // that unmapping it returns nothing to the pool.
        if (vma.IsHugetlb)
            vma.HugetlbResv = null;
        mm.Vmas.Insert(moved);
        bool keepWp = keepUffd && vma.Has(VmFlags.UffdWp);
        if (vma.IsHugetlb)
            MoveHugetlbPageTables(mm, vma, from, to, moveLength, keepWp);
        else
            MovePageTables(mm, vma, from, to, moveLength, keepWp);
        return moved;
    }

    /// <summary>
    /// Kernel: move_page_tables() -> move_huge_pmd() / move_ptes(). A THP moves as one PMD when a
    /// whole block moves to a PMD-aligned place with nothing there yet; otherwise it is split first.
    /// </summary>
    private static void MovePageTables(MmStruct mm, Vma vma, ulong from, ulong to, ulong length, bool keepWp)
    {
        var walk = new MoveWalk(mm, vma, to - from, keepWp);
        PageWalk.Range(mm.Tables, from, from + length, ref walk);
        if (walk.Flush)
            mm.System.Ops.FlushTlbRange(from, from + length, mm.System.PageShift);
    }

    /// <summary>
    /// Kernel: move_pgt_entry() / move_ptes() per source table. The new place's tables are allocated
    /// as the move goes: a killed task stops, and its exit takes both places down.
    /// </summary>
    private struct MoveWalk(MmStruct mm, Vma vma, ulong delta, bool keepWp) : IPageWalkOps
    {
        public bool Flush;

        public readonly WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) =>
            mm.System.Checkpoint(mm) ? WalkAction.Continue : WalkAction.Stop;

        public readonly WalkAction Hole(in Slot slot, ulong start, ulong end) => WalkAction.Continue;

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            if (!HugePmd.IsLeaf(vma, slot, entry))
                throw new InvalidOperationException($"BUG: mremap found a huge {slot.Level.KernelName()} entry; huge moves are not modelled here");
            ulong pmdSize = mm.System.Geometry.PmdSize;
            if (((start | (start + delta)) & (pmdSize - 1)) == 0 && end - start == pmdSize && MovePmd(mm, slot, start, start + delta, keepWp))
            {
                Flush = true;
                return WalkAction.Continue;
            }
            HugePmdSplit.Split(mm, vma, slot, start);
            return WalkAction.Again;
        }

        public readonly WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) =>
            throw new InvalidOperationException($"BUG: mremap found a hugepd at 0x{start:x} outside a hugetlb VMA");

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = mm.System;
            var slot = first;
            for (ulong old = start; old < end; old += system.PageSize, slot = slot.Next())
            {
                if (mm.Tables.IsNone(slot))
                    continue;
                if (!system.Checkpoint(mm))
                    return WalkAction.Stop;
                var entry = mm.Tables.Clear(slot, old);
                Flush |= entry.Kind == EntryKind.Page;
                if (Carried(entry, keepWp, out var carried))
                {
                    var target = mm.Tables.Walk(old + delta, PageLevel.Pte, allocate: true);
                    mm.Tables.Set(target.Slot, old + delta, carried);
                }
            }
            return WalkAction.Continue;
        }
    }

    /// <summary>Kernel: move_huge_pmd() — the leaf moves to an empty PMD slot at the new place.</summary>
    private static bool MovePmd(MmStruct mm, in Slot slot, ulong old, ulong target, bool keepWp)
    {
        var place = mm.Tables.Walk(target, PageLevel.Pmd, allocate: true);
        if (place.Level != PageLevel.Pmd || place.Entry.Kind != EntryKind.None)
            return false;
        var entry = mm.Tables.Clear(slot, old);
        Carried(entry, keepWp, out var carried);
        mm.Tables.MoveDeposit(old, target);
        mm.Tables.Set(place.Slot, target, carried);
        return true;
    }

    /// <summary>Kernel: move_hugetlb_page_tables() — huge entry by huge entry, through huge_pte_alloc().</summary>
    private static void MoveHugetlbPageTables(MmStruct mm, Vma vma, ulong from, ulong to, ulong length, bool keepWp)
    {
        var size = Hugetlb.PoolOf(mm.System, vma).Size;
        var walk = new HugetlbMoveWalk(mm, size, to - from, keepWp);
        PageWalk.Hugetlb(mm.Tables, size, from, from + length, ref walk);
        if (walk.Flush)
            mm.System.Ops.FlushTlbRange(from, from + length, size.Shift);
    }

    private struct HugetlbMoveWalk(MmStruct mm, HugePageSize size, ulong delta, bool keepWp) : IHugetlbWalkOps
    {
        public bool Flush;

        public WalkAction Entry(in HugePte pte, ulong start, ulong end)
        {
            var entry = HugePteOps.Clear(mm.Tables, pte, start);
            if (entry.Kind == EntryKind.None)
                return WalkAction.Continue;
            Flush |= entry.Kind == EntryKind.Page;
            if (Carried(entry, keepWp, out var carried))
                HugePteOps.Set(mm.Tables, HugePteAlloc.Alloc(mm.Tables, size, start + delta), start + delta, carried);
            return WalkAction.Continue;
        }

        public readonly WalkAction Hole(ulong start, ulong end) => WalkAction.Continue;
    }

    /// <summary>What an entry becomes at its new place: without the registration no uffd-wp bit, and no uffd-wp marker.</summary>
    private static bool Carried(in PageEntry entry, bool keepWp, out PageEntry carried)
    {
        carried = entry;
        if (keepWp)
            return true;
        if (entry.Kind == EntryKind.Page)
        {
            carried = entry.With(EntryFlags.None, EntryFlags.UffdWp);
            return true;
        }
        if (!PteMarker.IsMarker(entry))
            return true;
        ulong bits = entry.Frame & ~PteMarker.UffdWp;
        carried = PteMarker.Make(bits);
        return bits != 0;
    }
}
