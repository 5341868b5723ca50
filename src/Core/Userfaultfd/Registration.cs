using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>UFFDIO_REGISTER / UFFDIO_UNREGISTER: mark VMAs (splitting and merging them) as owned by a context.</summary>
/// Kernel: userfaultfd_register(), userfaultfd_unregister() (fs/userfaultfd.c), userfaultfd_register_range(), vma_can_userfault().
public static class Registration
{
    public static Errno Register(UffdContext ctx, ulong start, ulong length, ulong modes, out ulong ioctls)
    {
        ioctls = 0;
        var mm = ctx.Mm;
        var system = mm.System;
        var caps = system.Capabilities;
        if (modes == 0 || (modes & ~UffdUapi.RegisterModesAll) != 0)
            return Errno.EINVAL;
        if ((modes & UffdUapi.RegisterModeWp) != 0 && !caps.UffdWp)
            return Errno.EINVAL;
        if ((modes & UffdUapi.RegisterModeMinor) != 0 && !caps.UffdMinor)
            return Errno.EINVAL;
        var found = FindVmas(ctx, start, length, out var vmas);
        if (found != Errno.None)
            return found;
        ulong end = start + length;
        var flags = ToVmFlags(modes);
        bool wpAsync = ctx.Has(UffdUapi.FeatureWpAsync);
        bool anyHugetlb = false;
        foreach (var vma in vmas)
        {
            if (!CanUserfault(vma, flags, wpAsync))
                return Errno.EINVAL;
            if (!vma.Has(VmFlags.MayWrite))
                return Errno.EPERM;
            if (vma.IsHugetlb && end > vma.Start && end < vma.End && !IsHugeAligned(vma, end))
                return Errno.EINVAL;
            if (vma.Uffd is not null && !ReferenceEquals(vma.Uffd, ctx))
                return Errno.EBUSY;
            anyHugetlb |= vma.IsHugetlb;
        }
        var applied = Apply(mm, start, end,
            vma => !(ReferenceEquals(vma.Uffd, ctx) && (vma.Flags & flags) == flags),
            vma =>
            {
                vma.Flags = (vma.Flags & ~VmFlags.UffdMask) | flags;
                vma.Uffd = ctx;
            });
        if (applied != Errno.None)
            return applied;
        ioctls = (anyHugetlb ? UffdUapi.RangeIoctlsBasic : UffdUapi.RangeIoctls) & system.Kernel.RangeIoctls;
        if ((modes & UffdUapi.RegisterModeWp) == 0)
            ioctls &= ~(1UL << UffdUapi.IoctlWriteProtect);
        if ((modes & UffdUapi.RegisterModeMinor) == 0)
            ioctls &= ~(1UL << UffdUapi.IoctlContinue);
        return Errno.None;
    }

    public static Errno Unregister(UffdContext ctx, ulong start, ulong length)
    {
        var found = FindVmas(ctx, start, length, out var vmas);
        if (found != Errno.None)
            return found;
        foreach (var vma in vmas)
        {
            if (!CanUserfault(vma, vma.Flags & VmFlags.UffdMask, ctx.Has(UffdUapi.FeatureWpAsync)))
                return Errno.EINVAL;
            if (vma.Uffd is not null && !ReferenceEquals(vma.Uffd, ctx) && ctx.Mm.System.Kernel.UnregisterChecksOwner)
                return Errno.EINVAL;
        }
        return Apply(ctx.Mm, start, start + length, vma => vma.Uffd is not null, vma => ClearVma(ctx, vma));
    }

    /// <summary>
    /// The checks REGISTER and UNREGISTER share: the range, a live address space, at least one VMA
    /// in the range, and a hugetlb first VMA starting on a huge page boundary.
    /// </summary>
    private static Errno FindVmas(UffdContext ctx, ulong start, ulong length, out List<Vma> vmas)
    {
        vmas = [];
        var mm = ctx.Mm;
        var rangeError = UffdRange.Validate(mm.System.Geometry, start, length);
        if (rangeError != Errno.None)
            return rangeError;
        if (!mm.Alive)
            return Errno.ENOMEM;
        vmas = mm.Vmas.Intersecting(start, start + length);
        if (vmas.Count == 0)
            return Errno.EINVAL;
        return vmas[0].IsHugetlb && !IsHugeAligned(vmas[0], start) ? Errno.EINVAL : Errno.None;
    }

    /// <summary>
    /// Drops a VMA's registration: wakes MISSING waiters in it and clears its uffd-wp state first.
    /// </summary>
    /// Kernel: userfaultfd_clear_vma() + the wake in userfaultfd_unregister().
    public static void ClearVma(UffdContext ctx, Vma vma)
    {
        if (vma.Has(VmFlags.UffdMissing))
            ctx.Wake(vma.Start, vma.Length);
        if (vma.Has(VmFlags.UffdWp))
            WriteProtect.ClearAll(ctx.Mm, vma);
        vma.Flags &= ~VmFlags.UffdMask;
        vma.Uffd = null;
    }

    /// <summary>
    /// Changes the VMAs of the range one by one, each split at the range's edges and merged with
    /// its neighbours as it is changed; one that needs no change is left alone. A hugetlb VMA
    /// cannot be split inside a huge page, which stops the walk with EINVAL after the VMAs before
    /// it changed.
    /// </summary>
    /// Kernel: userfaultfd_register_range(), userfaultfd_unregister() -> vma_modify_flags_uffd().
    private static Errno Apply(MmStruct mm, ulong start, ulong end, Func<Vma, bool> needsChange, Action<Vma> change)
    {
        var vma = mm.Vmas.FindFrom(start);
        while (vma is not null && vma.Start < end)
        {
            if (needsChange(vma))
            {
                var error = VmaModify.Apply(mm, vma, Math.Max(start, vma.Start), Math.Min(end, vma.End), change, out vma);
                if (error != Errno.None)
                    return error;
            }
            vma = mm.Vmas.FindFrom(vma.End);
        }
        return Errno.None;
    }

    /// <summary>Kernel: vma_can_userfault().</summary>
    public static bool CanUserfault(Vma vma, VmFlags modes, bool wpAsync)
    {
        if ((modes & VmFlags.UffdMinor) != 0 && !(vma.IsHugetlb || vma.IsShmem))
            return false;
        if (wpAsync && modes == VmFlags.UffdWp)
            return true;
        return vma.IsAnonymous || vma.IsHugetlb || vma.IsShmem;
    }

    public static VmFlags ToVmFlags(ulong modes)
    {
        var flags = VmFlags.None;
        if ((modes & UffdUapi.RegisterModeMissing) != 0) flags |= VmFlags.UffdMissing;
        if ((modes & UffdUapi.RegisterModeWp) != 0) flags |= VmFlags.UffdWp;
        if ((modes & UffdUapi.RegisterModeMinor) != 0) flags |= VmFlags.UffdMinor;
        return flags;
    }

    private static bool IsHugeAligned(Vma vma, ulong address) => Hugetlb.IsAligned(vma, address);
}
