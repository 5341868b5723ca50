using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Gup;

/// <summary>What looking up one address without faulting found.</summary>
public enum FollowKind
{
    /// <summary>A page was found (and grabbed as the flags ask).</summary>
    Page,

    /// <summary>Nothing usable is mapped: a fault is needed (the kernel's NULL).</summary>
    NeedFault,

    /// <summary>A read-only pin of a shared anonymous page: an unshare fault is needed (-EMLINK).</summary>
    NeedUnshare,

    Error,
}

/// <summary>The page found, the mask of the huge mapping it sits in (0 for a base page), or why not.</summary>
public readonly record struct FollowResult(FollowKind Kind, ulong Pfn, ulong PageMask, Errno Error)
{
    public static readonly FollowResult Fault = new(FollowKind.NeedFault, 0, 0, Errno.None);
    public static readonly FollowResult Unshare = new(FollowKind.NeedUnshare, 0, 0, Errno.None);

    public static FollowResult Fail(Errno error) => new(FollowKind.Error, 0, 0, error);
}

/// <summary>Looks up the page mapped at an address for GUP, applying GUP's write, unshare and dump rules.</summary>
/// Kernel: follow_page_mask() -> follow_pmd_mask()/follow_page_pte(), gup_can_follow_protnone(), can_follow_write_pte(), gup_must_unshare(), no_page_table().
public static class FollowPage
{
    public static FollowResult Lookup(MmStruct mm, Vma vma, ulong address, GupFlags flags)
    {
        var system = mm.System;
        var leaf = mm.Tables.WalkLeaf(address);
        var entry = leaf.Entry;
        if (entry.Kind == EntryKind.None)
            return NoPageTable(vma, flags);
        // A PROT_NONE entry is followed like any other: GUP does not honour NUMA hinting unless
        // asked to (FOLL_HONOR_NUMA_FAULT), which is how FOLL_FORCE reads an inaccessible VMA.
        if (entry.Kind != EntryKind.Page)
            return FollowResult.Fault;
        ulong pfn = leaf.PfnOf(address, system.PageShift);
        bool special = entry.Has(EntryFlags.Special) || system.Zero.IsZero(pfn);
        if ((flags & GupFlags.Write) != 0 && !CanFollowWrite(system, vma, entry, pfn, flags))
            return FollowResult.Fault;
        if (special)
        {
            if ((flags & GupFlags.Dump) != 0)
                return FollowResult.Fail(Errno.EFAULT);
            if (!system.Zero.IsZero(pfn))
                return FollowResult.Fail(Errno.EEXIST);
        }
        if (!entry.Has(EntryFlags.Write) && MustUnshare(system, vma, flags, pfn))
            return FollowResult.Unshare;
        PinCounting.Grab(system, pfn, flags);
        if ((flags & GupFlags.Touch) != 0 && (flags & GupFlags.Write) != 0 && !special)
            system.Memory[system.Memory.HeadOf(pfn)].Flags |= PageFlags.Dirty;
        return new FollowResult(FollowKind.Page, pfn, (1UL << (leaf.Shift - system.PageShift)) - 1, Errno.None);
    }

    /// <summary>Kernel: no_page_table() — a core dump skips holes that would read as zeroes.</summary>
    private static FollowResult NoPageTable(Vma vma, GupFlags flags) =>
        (flags & GupFlags.Dump) != 0 && vma.IsAnonymous ? FollowResult.Fail(Errno.EFAULT) : FollowResult.Fault;

    /// <summary>
    /// Kernel: can_follow_write_pte() — a read-only entry is written through FOLL_FORCE only in a
    /// private, not writable, may-write mapping, on an exclusive anonymous page without uffd-wp.
    /// </summary>
    private static bool CanFollowWrite(MemorySystem system, Vma vma, in PageEntry entry, ulong pfn, GupFlags flags)
    {
        if (entry.Has(EntryFlags.Write))
            return true;
        if ((flags & GupFlags.Force) == 0 || vma.Has(VmFlags.Shared) || vma.Has(VmFlags.MayShare))
            return false;
        if (!vma.Has(VmFlags.MayWrite) || vma.Has(VmFlags.Write))
            return false;
        if (system.Zero.IsZero(pfn) || entry.Has(EntryFlags.Special))
            return false;
        if (!Folios.IsAnon(system, pfn) || !Folios.IsAnonExclusive(system, pfn))
            return false;
        return !(entry.Has(EntryFlags.UffdWp) && vma.Has(VmFlags.UffdWp));
    }

    /// <summary>
    /// Kernel: gup_must_unshare() — only read-only pins care: of a shared anonymous page, or with
    /// FOLL_LONGTERM of a file or zero page in a private mapping.
    /// </summary>
    public static bool MustUnshare(MemorySystem system, Vma vma, GupFlags flags, ulong pfn)
    {
        if ((flags & (GupFlags.Write | GupFlags.Pin)) != GupFlags.Pin)
            return false;
        bool anon = !system.Zero.IsZero(pfn) && Folios.IsAnon(system, pfn);
        if (!anon)
            return (flags & GupFlags.LongTerm) != 0 && vma.IsCowMapping;
        return !Folios.IsAnonExclusive(system, pfn);
    }
}
