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
    /// The checks of mremap: page-aligned old address, non-zero new length, one VMA covering the
    /// whole old range (EFAULT otherwise, as vma_to_resize() answers).
    /// </summary>
    public static Errno Validate(MmStruct mm, ulong address, ulong oldLength, ulong newLength, out Vma? vma)
    {
        var geo = mm.System.Geometry;
        vma = null;
        if ((address & (geo.PageSize - 1)) != 0 || oldLength > geo.TaskSize || newLength > geo.TaskSize)
            return Errno.EINVAL;
        oldLength = (oldLength + geo.PageSize - 1) & geo.PageMask;
        newLength = (newLength + geo.PageSize - 1) & geo.PageMask;
        if (newLength == 0)
            return Errno.EINVAL;
        var found = mm.Vmas.Find(address);
        if (found is null || Math.Min(oldLength, newLength) > found.End - address)
            return Errno.EFAULT;
        vma = found;
        return Errno.None;
    }

    /// <summary>
    /// A gap for <paramref name="length"/> bytes placed as every mapping is: PMD-aligned and
    /// followed by at least a PMD of nothing. Kernel: get_unmapped_area().
    /// </summary>
    public static Errno FindGap(MmStruct mm, ulong length, out ulong address)
    {
        var geo = mm.System.Geometry;
        ulong pmd = geo.PmdSize;
        address = (mm.NextFree + pmd - 1) & ~(pmd - 1);
        if (address + length + pmd > geo.TaskSize || address + length < address)
            return Errno.ENOMEM;
        mm.NextFree = (address + length + pmd + pmd - 1) & ~(pmd - 1);
        return Errno.None;
    }

    /// <summary>
    /// Creates the VMA at <paramref name="to"/> for <paramref name="newLength"/> bytes and moves the
    /// entries of [from, from + moveLength) of <paramref name="vma"/> there. Unless
    /// <paramref name="keepUffd"/>, the new VMA is not registered and the uffd-wp bits and markers
    /// that travel with the entries are dropped.
    /// </summary>
    /// Kernel: move_vma() -> copy_vma(), move_page_tables(), mremap_userfaultfd_prep() / userfaultfd_reset_ctx().
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
        var system = mm.System;
        ulong pmdSize = system.Geometry.PmdSize;
        bool flush = false;
        var retry = new RetryBound("move_page_tables()'s walk");
        ulong offset = 0;
        while (offset < length)
        {
            ulong old = from + offset;
            retry.Attempt(old);
            // The new place's tables are allocated as the move goes: a killed task stops, and its exit takes both places down.
            if (!system.Checkpoint(mm))
                break;
            var walk = mm.Tables.Walk(old, PageLevel.Pte, allocate: false);
            if (HugePmd.IsLeaf(vma, walk))
            {
                if (((old | (to + offset)) & (pmdSize - 1)) == 0 && length - offset >= pmdSize && MovePmd(mm, walk, old, to + offset, keepWp))
                {
                    flush = true;
                    offset += pmdSize;
                    continue;
                }
                HugePmdSplit.Split(mm, vma, walk.Slot, old);
                continue;
            }
            if (walk.Level != PageLevel.Pte)
            {
                if (walk.Entry.Kind != EntryKind.None)
                    throw new InvalidOperationException($"BUG: mremap found a huge {walk.Level.KernelName()} entry; huge moves are not modelled here");
                offset = system.Geometry[walk.Level].NextEntryStart(old) - from;
                continue;
            }
            if (walk.Entry.Kind != EntryKind.None)
            {
                var entry = mm.Tables.Clear(walk.Slot, old);
                flush |= entry.Kind == EntryKind.Page;
                if (Carried(entry, keepWp, out var carried))
                {
                    var target = mm.Tables.Walk(to + offset, PageLevel.Pte, allocate: true);
                    mm.Tables.Set(target.Slot, to + offset, carried);
                }
            }
            offset += system.PageSize;
        }
        if (flush)
            system.Ops.FlushTlbRange(from, from + length, system.PageShift);
    }

    /// <summary>Kernel: move_huge_pmd() — the leaf moves to an empty PMD slot at the new place.</summary>
    private static bool MovePmd(MmStruct mm, in WalkResult walk, ulong old, ulong target, bool keepWp)
    {
        var place = mm.Tables.Walk(target, PageLevel.Pmd, allocate: true);
        if (place.Level != PageLevel.Pmd || place.Entry.Kind != EntryKind.None)
            return false;
        var entry = mm.Tables.Clear(walk.Slot, old);
        Carried(entry, keepWp, out var carried);
        mm.Tables.Set(place.Slot, target, carried);
        return true;
    }

    /// <summary>Kernel: move_hugetlb_page_tables() — huge entry by huge entry, through huge_pte_alloc().</summary>
    private static void MoveHugetlbPageTables(MmStruct mm, Vma vma, ulong from, ulong to, ulong length, bool keepWp)
    {
        var system = mm.System;
        var size = Hugetlb.PoolOf(system, vma).Size;
        bool flush = false;
        for (ulong offset = 0; offset < length; offset += size.Size)
        {
            if (!HugePteOffset.Find(mm.Tables, size, from + offset, out var pte))
                continue;
            var entry = HugePteOps.Clear(mm.Tables, pte, from + offset);
            if (entry.Kind == EntryKind.None)
                continue;
            flush |= entry.Kind == EntryKind.Page;
            if (Carried(entry, keepWp, out var carried))
                HugePteOps.Set(mm.Tables, HugePteAlloc.Alloc(mm.Tables, size, to + offset), to + offset, carried);
        }
        if (flush)
            system.Ops.FlushTlbRange(from, from + length, size.Shift);
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
