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
        var size = Hugetlb.PoolOf(mm.System, vma).Size;
        var walk = new ChangeProtectionWalk(mm, vma, flags, PageProt.ForSharedMapping(mm.System, vma));
        PageWalk.Hugetlb(mm.Tables, size, start, end, ref walk);
        if (walk.Changed)
            mm.System.Ops.FlushTlbRange(start, end, size.Shift);
    }

    private struct ChangeProtectionWalk(MmStruct mm, Vma vma, ChangeProtectionFlags flags, EntryFlags newProt) : IHugetlbWalkOps
    {
        public bool Changed;

        private readonly bool Protect => (flags & ChangeProtectionFlags.UffdWp) != 0;

        public WalkAction Entry(in HugePte pte, ulong start, ulong end)
        {
            var old = HugePteOps.Get(mm.Tables, pte);
            if (PteMarker.IsMarker(old))
            {
                if ((flags & ChangeProtectionFlags.UffdWpResolve) != 0 && PteMarker.IsUffdWp(old))
                    HugePteOps.Clear(mm.Tables, pte, start);
            }
            else if (old.Kind == EntryKind.Page)
            {
                var updated = ChangeProtection.Updated(mm, vma, old, newProt, flags & ~ChangeProtectionFlags.TryChangeWritable);
                if (updated != old)
                {
                    HugePteOps.Set(mm.Tables, pte, start, updated);
                    Changed = true;
                }
            }
            else if (old.Kind == EntryKind.None && Protect)
            {
                HugePteOps.Set(mm.Tables, pte, start, PteMarker.Make(PteMarker.UffdWp));
            }
            return WalkAction.Continue;
        }

        /// <summary>Protecting puts a marker in every empty entry: the tables are created for it.</summary>
        public readonly WalkAction Hole(ulong start, ulong end) => Protect ? WalkAction.Install : WalkAction.Continue;
    }
}
