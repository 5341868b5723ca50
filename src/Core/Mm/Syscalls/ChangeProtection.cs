using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>What a protection change does besides applying the VMA's protection.</summary>
/// Kernel: MM_CP_TRY_CHANGE_WRITABLE, MM_CP_UFFD_WP, MM_CP_UFFD_WP_RESOLVE.
[Flags]
public enum ChangeProtectionFlags
{
    None = 0,
    TryChangeWritable = 1,
    UffdWp = 2,
    UffdWpResolve = 4,
}

/// <summary>
/// Rewrites the entries of a range of one VMA with the VMA's protection, setting or clearing
/// uffd-wp, installing uffd-wp markers on empty entries where the VMA uses them.
/// </summary>
/// Kernel: change_protection() -> change_pte_range() (mm/mprotect.c), can_change_pte_writable().
public static class ChangeProtection
{
    private const EntryFlags ProtBits = EntryFlags.User | EntryFlags.ExecOnly | EntryFlags.Exec | EntryFlags.ProtNone | EntryFlags.Write;

    public static void Range(MmStruct mm, Vma vma, ulong start, ulong end, ChangeProtectionFlags flags)
    {
        if (vma.IsHugetlb)
        {
            HugetlbChangeProtection.Range(mm, vma, start, end, flags);
            return;
        }
        bool protect = (flags & ChangeProtectionFlags.UffdWp) != 0;
        var walk = new ChangeProtectionWalk(mm, vma, flags, PageProt.ForSharedMapping(mm.System, vma), markers: protect && UsesMarkers(vma));
        PageWalk.Range(mm.Tables, start, end, ref walk);
        walk.Tlb.Finish(mm.System.Ops, start, end);
    }

    /// <summary>
    /// Kernel: change_pud_range() .. change_pte_range(); with markers, missing tables are allocated
    /// (change_pmd_prepare()), which may wake the OOM killer: a killed task stops there.
    /// </summary>
    private struct ChangeProtectionWalk(MmStruct mm, Vma vma, ChangeProtectionFlags flags, EntryFlags newProt, bool markers) : IPageWalkOps
    {
        public TlbGather Tlb;

        public readonly WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public readonly WalkAction Hole(in Slot slot, ulong start, ulong end) =>
            !markers ? WalkAction.Continue : mm.System.Checkpoint(mm) ? WalkAction.Install : WalkAction.Stop;

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            var system = mm.System;
            if (!HugePmd.IsLeaf(vma, slot, entry))
                return WalkAction.Continue;
            if (end - start < system.Geometry.PmdSize)
            {
                HugePmdSplit.Split(mm, vma, slot, start);
                return WalkAction.Again;
            }
            var pmd = Updated(mm, vma, entry, newProt, flags);
            if (pmd != entry)
            {
                mm.Tables.Set(slot, start, pmd);
                if (ReducesAccess(entry, pmd))
                    Tlb.Add(system.Geometry.PmdShift);
            }
            return WalkAction.Continue;
        }

        public readonly WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry) => WalkAction.Continue;

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var system = mm.System;
            if (markers && !system.Checkpoint(mm))
                return WalkAction.Stop;
            bool resolve = (flags & ChangeProtectionFlags.UffdWpResolve) != 0;
            var slot = first;
            for (ulong address = start; address < end; address += system.PageSize, slot = slot.Next())
            {
                system.Deadline.Check();
                var old = mm.Tables.Get(slot);
                if (old.Kind == EntryKind.Page)
                {
                    var updated = Updated(mm, vma, old, newProt, flags);
                    if (updated != old)
                    {
                        mm.Tables.Set(slot, address, updated);
                        if (ReducesAccess(old, updated))
                            Tlb.Add(system.PageShift);
                    }
                }
                else if (PteMarker.IsMarker(old))
                {
                    if (resolve && PteMarker.IsUffdWp(old))
                        mm.Tables.Clear(slot, address);
                }
                else if (old.Kind == EntryKind.None && markers)
                {
                    mm.Tables.Set(slot, address, PteMarker.Make(PteMarker.UffdWp));
                }
            }
            return WalkAction.Continue;
        }
    }

    /// <summary>
    /// The VMA's protection on a present entry (its write bit only where vm_page_prot has one), the
    /// uffd-wp change, then the write bit back where that is safe.
    /// </summary>
    /// Kernel: pte_modify()/pmd_modify() + pte_mkuffd_wp()/pte_clear_uffd_wp() + the MM_CP_TRY_CHANGE_WRITABLE step.
    internal static PageEntry Updated(MmStruct mm, Vma vma, in PageEntry old, EntryFlags newProt, ChangeProtectionFlags flags)
    {
        var updated = old with { Flags = (old.Flags & ~ProtBits) | newProt };
        if ((flags & ChangeProtectionFlags.UffdWp) != 0)
            updated = updated.With(EntryFlags.UffdWp, EntryFlags.Write);
        else if ((flags & ChangeProtectionFlags.UffdWpResolve) != 0)
            updated = updated.With(EntryFlags.None, EntryFlags.UffdWp);
        if ((flags & ChangeProtectionFlags.TryChangeWritable) != 0 && !updated.Has(EntryFlags.Write) && CanChangeWritable(mm, vma, updated))
            updated = updated.With(EntryFlags.Write);
        return updated;
    }

    /// <summary>Only a change that takes a permission away leaves stale, too-permissive TLB entries.</summary>
    /// Kernel: pte_needs_flush().
    private static bool ReducesAccess(in PageEntry old, in PageEntry updated) =>
        (old.Has(EntryFlags.Write) && !updated.Has(EntryFlags.Write))
        || (old.Flags & ~updated.Flags & (EntryFlags.User | EntryFlags.Exec)) != 0
        || (updated.Has(EntryFlags.ExecOnly) && !old.Has(EntryFlags.ExecOnly))
        || (updated.Has(EntryFlags.ProtNone) && !old.Has(EntryFlags.ProtNone));

    /// <summary>
    /// Empty entries of file-backed and hugetlb VMAs get markers; anonymous ones only with
    /// UFFD_FEATURE_WP_UNPOPULATED, since an empty anonymous entry has no page to lose.
    /// </summary>
    /// Kernel: userfaultfd_wp_use_markers().
    public static bool UsesMarkers(Vma vma) =>
        vma.IsHugetlb || !vma.IsAnonymous || vma.Uffd is { WpUnpopulated: true };

    /// <summary>
    /// Kernel: can_change_pte_writable() — never when uffd-wp protected; a private mapping only for
    /// exclusive anonymous pages; a shared one only when already dirty.
    /// </summary>
    public static bool CanChangeWritable(MmStruct mm, Vma vma, in PageEntry entry)
    {
        var system = mm.System;
        if (!vma.Has(VmFlags.Write) || entry.Has(EntryFlags.ProtNone))
            return false;
        if (entry.Has(EntryFlags.UffdWp) && vma.Has(VmFlags.UffdWp))
            return false;
        if (!vma.IsShared)
        {
            if (system.Zero.IsZero(entry.Frame) || entry.Has(EntryFlags.Special) || HugePmd.IsHugeZero(system, entry))
                return false;
            var flags = system.Memory[entry.Frame].Flags;
            return (flags & PageFlags.Anon) != 0 && (flags & PageFlags.AnonExclusive) != 0;
        }
        return entry.Has(EntryFlags.Dirty);
    }
}
