using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// A protection change over a hugetlb VMA, one huge page at a time: present entries take the
/// VMA's protection and the uffd-wp change; empty ones get a uffd-wp marker when protecting (tables
/// are allocated for it); unprotecting drops the markers. Poison markers are left alone.
/// </summary>
/// Kernel: hugetlb_change_protection() (mm/hugetlb.c), which has no MM_CP_TRY_CHANGE_WRITABLE step.
public static class HugetlbChangeProtection
{
    public static void Range(MmStruct mm, Vma vma, ulong start, ulong end, ChangeProtectionFlags flags)
    {
        var system = mm.System;
        var size = Hugetlb.PoolOf(system, vma).Size;
        bool protect = (flags & ChangeProtectionFlags.UffdWp) != 0;
        bool resolve = (flags & ChangeProtectionFlags.UffdWpResolve) != 0;
        var newProt = PageProt.ForSharedMapping(mm.System, vma);
        bool changed = false;
        for (ulong address = start; address < end; address += size.Size)
        {
            HugePte pte;
            if (!HugePteOffset.Find(mm.Tables, size, address, out pte))
            {
                if (!protect)
                    continue;
                pte = HugePteAlloc.Alloc(mm.Tables, size, address);
            }
            var old = HugePteOps.Get(mm.Tables, pte);
            if (PteMarker.IsMarker(old))
            {
                if (resolve && PteMarker.IsUffdWp(old))
                    HugePteOps.Clear(mm.Tables, pte, address);
            }
            else if (old.Kind == EntryKind.Page)
            {
                var updated = ChangeProtection.Updated(mm, vma, old, newProt, flags & ~ChangeProtectionFlags.TryChangeWritable);
                if (updated != old)
                {
                    HugePteOps.Set(mm.Tables, pte, address, updated);
                    changed = true;
                }
            }
            else if (old.Kind == EntryKind.None && protect)
            {
                HugePteOps.Set(mm.Tables, pte, address, PteMarker.Make(PteMarker.UffdWp));
            }
        }
        if (changed)
            system.Ops.FlushTlbRange(start, end, size.Shift);
    }
}
