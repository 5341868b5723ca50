using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>mprotect: new flags on the VMAs of a fully mapped range, and new attributes on their entries.</summary>
/// Kernel: do_mprotect_pkey(), mprotect_fixup(), change_protection() -> change_pte_range().
public static class Protect
{
    public static Errno Mprotect(MmStruct mm, ulong start, ulong length, Protection prot)
    {
        var geo = mm.System.Geometry;
        if ((start & (geo.PageSize - 1)) != 0)
            return Errno.EINVAL;
        ulong end = start + ((length + geo.PageSize - 1) & geo.PageMask);
        if (end < start)
            return Errno.ENOMEM;
        if (end == start)
            return Errno.None;
        var vmas = mm.Vmas.Intersecting(start, end);
        ulong cursor = start;
        foreach (var vma in vmas)
        {
            if (vma.Start > cursor)
                return Errno.ENOMEM;
            cursor = vma.End;
        }
        if (cursor < end)
            return Errno.ENOMEM;
        foreach (var vma in vmas)
        {
            if (prot.HasFlag(Protection.Write) && !vma.Has(VmFlags.MayWrite))
                return Errno.EACCES;
        }
        int shift = mm.System.PageShift;
        mm.Vmas.SplitAt(start, shift);
        mm.Vmas.SplitAt(end, shift);
        foreach (var vma in mm.Vmas.Intersecting(start, end))
        {
            var access = VmFlags.None;
            if (prot.HasFlag(Protection.Read)) access |= VmFlags.Read;
            if (prot.HasFlag(Protection.Write)) access |= VmFlags.Write;
            if (prot.HasFlag(Protection.Exec)) access |= VmFlags.Exec;
            vma.Flags = (vma.Flags & ~VmFlags.AccessMask) | access;
            ChangeRange(mm, vma, vma.Start, vma.End);
        }
        mm.Vmas.MergeAround(start, end, shift);
        return Errno.None;
    }

    /// <summary>Rewrites the present entries of [start, end) with the VMA's protection.</summary>
    /// Kernel: change_pmd_range() (change_huge_pmd() or split) -> change_pte_range(), can_change_pte_writable().
    private static void ChangeRange(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        var system = mm.System;
        var baseFlags = PageProt.Base(vma);
        const EntryFlags protBits = EntryFlags.User | EntryFlags.Exec | EntryFlags.ProtNone | EntryFlags.Write;
        bool changed = false;
        ulong address = start;
        while (address < end)
        {
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: false);
            if (HugePmd.IsLeaf(vma, walk))
            {
                ulong next = HugePmd.NextBlock(system, address);
                if ((address & (system.Geometry.PmdSize - 1)) != 0 || next > end)
                {
                    HugePmdSplit.Split(mm, vma, walk.Slot, address);
                    continue;
                }
                changed |= HugePmd.ChangeProtection(mm, vma, walk.Slot, address, walk.Entry);
                address = next;
                continue;
            }
            if (walk.Level != PageLevel.Pte)
            {
                ulong span = system.Geometry[walk.Level].EntrySpan;
                address = (address & ~(span - 1)) + span;
                continue;
            }
            var entry = walk.Entry;
            if (entry.Kind == EntryKind.Page)
            {
                var flags = (entry.Flags & ~protBits) | baseFlags;
                if (entry.Has(EntryFlags.Write) && vma.Has(VmFlags.Write) && !entry.Has(EntryFlags.UffdWp))
                    flags |= EntryFlags.Write;
                else if (vma.Has(VmFlags.Write) && CanMakeWritable(mm, vma, entry))
                    flags |= EntryFlags.Write;
                var updated = entry with { Flags = flags };
                if (updated != entry)
                {
                    mm.Tables.Set(walk.Slot, address, updated);
                    changed = true;
                }
            }
            address += system.PageSize;
        }
        if (changed)
            system.Ops.FlushTlbRange(start, end, system.PageShift);
    }

    /// <summary>
    /// Kernel: can_change_pte_writable() — exclusive anon pages in private mappings; shared shmem
    /// mappings need no write-notify, so their entries take the write bit directly. Never uffd-wp.
    /// </summary>
    private static bool CanMakeWritable(MmStruct mm, Vma vma, in PageEntry entry)
    {
        var system = mm.System;
        if (entry.Has(EntryFlags.UffdWp) || entry.Has(EntryFlags.ProtNone) || system.Zero.IsZero(entry.Frame) || entry.Has(EntryFlags.Special))
            return false;
        return vma.IsShared || (system.Memory[entry.Frame].Flags & PageFlags.AnonExclusive) != 0;
    }
}
