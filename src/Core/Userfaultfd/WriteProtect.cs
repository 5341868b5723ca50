using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Userfaultfd;

/// <summary>uffd-wp state on entries: clearing it when a registration goes away.</summary>
/// Kernel: uffd_wp_range() / change_protection(MM_CP_UFFD_WP_RESOLVE) as userfaultfd_clear_vma() uses it.
public static class WriteProtect
{
    /// <summary>Removes every uffd-wp bit and uffd-wp marker of the VMA.</summary>
    public static void ClearAll(MmStruct mm, Vma vma)
    {
        var system = mm.System;
        bool changed = false;
        ulong address = vma.Start;
        while (address < vma.End)
        {
            var walk = mm.Tables.Walk(address, PageLevel.Pte, allocate: false);
            if (HugePmd.IsLeaf(vma, walk))
            {
                if (walk.Entry.Has(EntryFlags.UffdWp))
                {
                    mm.Tables.Set(walk.Slot, address, walk.Entry.With(EntryFlags.None, EntryFlags.UffdWp));
                    changed = true;
                }
                address = HugePmd.NextBlock(system, address);
                continue;
            }
            if (walk.Level != PageLevel.Pte)
            {
                ulong span = system.Geometry[walk.Level].EntrySpan;
                address = (address & ~(span - 1)) + span;
                continue;
            }
            var entry = walk.Entry;
            if (entry.Kind == EntryKind.Page && entry.Has(EntryFlags.UffdWp))
            {
                mm.Tables.Set(walk.Slot, address, entry.With(EntryFlags.None, EntryFlags.UffdWp));
                changed = true;
            }
            else if (PteMarker.IsUffdWp(entry))
            {
                ulong rest = entry.Frame & ~PteMarker.UffdWp;
                if (rest == 0)
                    mm.Tables.Clear(walk.Slot, address);
                else
                    mm.Tables.Set(walk.Slot, address, PteMarker.Make(rest));
            }
            address += system.PageSize;
        }
        if (changed)
            system.Ops.FlushTlbRange(vma.Start, vma.End, system.PageShift);
    }
}
