namespace Pluggable.Core.Mm;

/// <summary>The pagemap bits a scenario prints, in the order they are printed.</summary>
/// Kernel: PM_PRESENT, PM_SWAP, PM_FILE, PM_MMAP_EXCLUSIVE, PM_UFFD_WP (fs/proc/task_mmu.c); zero = the pfn is the zero page.
[Flags]
public enum PagemapFlags : byte
{
    None = 0,
    Present = 1 << 0,
    Zero = 1 << 1,
    Swap = 1 << 2,
    File = 1 << 3,
    Exclusive = 1 << 4,
    Wp = 1 << 5,
}
