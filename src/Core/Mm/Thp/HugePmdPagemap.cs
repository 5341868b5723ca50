using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>
/// Pagemap bits of a base page inside a PMD leaf. The huge zero page is not anonymous, so it shows
/// as file and never exclusive. For a THP, Linux 6.18 tests the mapcount of the leaf's first
/// subpage for every slot of the PMD (verified live: after a fork and a COW of page 0 in the
/// child, the parent's whole PMD reads exclusive; after a COW of page 3 in the parent, none of the
/// child's PMD does).
/// </summary>
/// Kernel: pagemap_pmd_range() (fs/proc/task_mmu.c).
public static class HugePmdPagemap
{
    public static PagemapFlags Flags(MemorySystem system, in PageEntry entry)
    {
        if (HugePmd.IsHugeZero(system, entry))
            return PagemapFlags.Zero | PagemapFlags.File;
        var flags = PagemapFlags.None;
        if (!Folios.IsAnon(system, entry.Frame))
            flags |= PagemapFlags.File;
        if (system.Memory[entry.Frame].MapCount == 1)
            flags |= PagemapFlags.Exclusive;
        return flags;
    }
}
