using Pluggable.Core.Mm;

namespace Pluggable.HostKernel;

/// <summary>Decodes one 64-bit /proc/PID/pagemap entry into the flags a scenario prints.</summary>
/// Kernel: PM_PRESENT (63), PM_SWAP (62), PM_FILE (61), PM_UFFD_WP (57), PM_MMAP_EXCLUSIVE (56), PM_PFRAME_MASK (bits 0-54) in fs/proc/task_mmu.c.
internal static class PagemapEntry
{
    public const ulong Present = 1UL << 63;
    public const ulong Swap = 1UL << 62;
    public const ulong File = 1UL << 61;
    public const ulong UffdWp = 1UL << 57;
    public const ulong Exclusive = 1UL << 56;
    public const ulong PfnMask = (1UL << 55) - 1;

    public static ulong Pfn(ulong entry) => entry & PfnMask;

    /// <param name="isZeroPfn">Whether a frame is the zero page or part of the huge zero page.</param>
    public static PagemapFlags Decode(ulong entry, Func<ulong, bool> isZeroPfn)
    {
        var flags = PagemapFlags.None;
        if ((entry & Present) != 0)
        {
            flags |= PagemapFlags.Present;
            ulong pfn = Pfn(entry);
            if (pfn != 0 && isZeroPfn(pfn))
                flags |= PagemapFlags.Zero;
        }
        if ((entry & Swap) != 0)
            flags |= PagemapFlags.Swap;
        if ((entry & File) != 0)
            flags |= PagemapFlags.File;
        if ((entry & Exclusive) != 0)
            flags |= PagemapFlags.Exclusive;
        if ((entry & UffdWp) != 0)
            flags |= PagemapFlags.Wp;
        return flags;
    }
}
