using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>UFFDIO_WRITEPROTECT, and dropping uffd-wp state when a registration goes away.</summary>
/// Kernel: userfaultfd_writeprotect() (fs/userfaultfd.c), mwriteprotect_range() and uffd_wp_range() (mm/userfaultfd.c).
public static class WriteProtect
{
    /// <summary>The ioctl: front-end checks, the range walk, and the wake after an unprotect.</summary>
    public static Errno Ioctl(UffdContext ctx, ulong start, ulong length, ulong mode)
    {
        if (!ctx.Initialized)
            return Errno.EINVAL;
        if (ctx.MmapChanging > 0)
            return Errno.EAGAIN;
        var error = UffdRange.Validate(ctx.Mm.System.Geometry, start, length);
        if (error != Errno.None)
            return error;
        if ((mode & ~(UffdUapi.WriteProtectModeWp | UffdUapi.WriteProtectModeDontWake)) != 0)
            return Errno.EINVAL;
        bool protect = (mode & UffdUapi.WriteProtectModeWp) != 0;
        bool dontWake = (mode & UffdUapi.WriteProtectModeDontWake) != 0;
        if (protect && dontWake)
            return Errno.EINVAL;
        if (!ctx.Mm.Alive)
            return Errno.ESRCH;
        error = Range(ctx, start, length, protect);
        if (error == Errno.None && !protect && !dontWake)
            ctx.Wake(start, length);
        return error;
    }

    /// <summary>
    /// Every VMA of the range must be WP-registered (with any context); those before the first
    /// that is not have already been changed, as in the kernel.
    /// </summary>
    /// Kernel: mwriteprotect_range().
    public static Errno Range(UffdContext ctx, ulong start, ulong length, bool protect)
    {
        var mm = ctx.Mm;
        if (ctx.MmapChanging > 0)
            return Errno.EAGAIN;
        ulong end = start + length;
        var error = Errno.ENOENT;
        foreach (var vma in mm.Vmas.Intersecting(start, end))
        {
            if (!vma.Has(VmFlags.UffdWp) || vma.Uffd is null)
                return Errno.ENOENT;
            if (vma.IsHugetlb)
            {
                ulong mask = (1UL << vma.File!.HugeShift) - 1;
                if ((start & mask) != 0 || (length & mask) != 0)
                    return Errno.EINVAL;
            }
            ApplyToVma(mm, vma, Math.Max(start, vma.Start), Math.Min(end, vma.End), protect);
            error = Errno.None;
        }
        return error;
    }

    /// <summary>Removes every uffd-wp bit and marker of a VMA whose WP registration ends.</summary>
    public static void ClearAll(MmStruct mm, Vma vma) => ApplyToVma(mm, vma, vma.Start, vma.End, protect: false);

    /// <summary>Kernel: uffd_wp_range() — unprotecting makes entries writable again where that is safe.</summary>
    private static void ApplyToVma(MmStruct mm, Vma vma, ulong start, ulong end, bool protect)
    {
        var flags = protect ? ChangeProtectionFlags.UffdWp : ChangeProtectionFlags.UffdWpResolve;
        if (!protect && PageProt.WantsManualWriteUpgrade(vma))
            flags |= ChangeProtectionFlags.TryChangeWritable;
        ChangeProtection.Range(mm, vma, start, end, flags);
    }
}
