using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Fork of a hugetlb VMA whose tables are copied: each huge entry is shared with the child, both
/// sides write-protected in a private mapping (copy-on-write); poison markers always travel,
/// uffd-wp bits and markers only when the child stays WP-registered.
/// </summary>
/// Kernel: copy_hugetlb_page_range() (mm/hugetlb.c).
public static class HugetlbFork
{
    /// <summary>Returns whether a parent entry was write-protected (the parent's TLB needs a flush).</summary>
    public static bool CopyRange(MmStruct parent, Vma src, MmStruct child, Vma dst)
    {
        var system = parent.System;
        var size = Hugetlb.PoolOf(system, src).Size;
        bool cow = src.IsCowMapping;
        bool keepWp = dst.Has(VmFlags.UffdWp);
        bool parentChanged = false;
        for (ulong address = src.Start; address < src.End; address += size.Size)
        {
            if (!HugePteOffset.Find(parent.Tables, size, address, out var from))
                continue;
            var entry = HugePteOps.Get(parent.Tables, from);
            if (entry.IsNone)
                continue;
            if (PteMarker.IsMarker(entry))
            {
                ulong bits = keepWp ? entry.Frame : entry.Frame & ~PteMarker.UffdWp;
                if (bits != 0)
                    HugePteOps.Set(child.Tables, HugePteAlloc.Alloc(child.Tables, size, address), address, PteMarker.Make(bits));
                continue;
            }
            HugetlbFolios.AddMap(system, entry.Frame);
            system.Memory[entry.Frame].Flags &= ~PageFlags.AnonExclusive;
            if (cow && entry.Has(EntryFlags.Write))
            {
                entry = entry.With(EntryFlags.None, EntryFlags.Write);
                HugePteOps.Set(parent.Tables, from, address, entry);
                parentChanged = true;
            }
            if (!keepWp)
                entry = entry.With(EntryFlags.None, EntryFlags.UffdWp);
            HugePteOps.Set(child.Tables, HugePteAlloc.Alloc(child.Tables, size, address), address, entry);
        }
        return parentChanged;
    }
}
