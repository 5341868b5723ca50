using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>
/// Pagemap bits of a base page inside a PMD leaf. The huge zero page is not anonymous, so it shows
/// as file and never exclusive. For a THP, Linux 6.18 tests the mapcount of the leaf's first
/// subpage for every slot of the PMD (verified live: after a fork and a COW of page 0 in the
/// child, the parent's whole PMD reads exclusive; after a COW of page 3 in the parent, none of the
/// child's PMD does), and so does 6.1; 6.12 tests each slot's own subpage (folio_precise_page_mapcount()
/// of page + idx; measured on Debian's 6.12 under QEMU: the child's PMD reads exclusive at page 3 only).
/// </summary>
/// Kernel: pagemap_pmd_range() (fs/proc/task_mmu.c).
public static class HugePmdPagemap
{
    /// <summary>Whether every slot of a PMD leaf reads alike in the modelled release.</summary>
    public static bool Uniform(MemorySystem system) => system.Kernel.PmdPagemapFromFirstSubpage;

    /// <param name="pfn">The subpage the slot maps.</param>
    public static PagemapFlags Flags(MemorySystem system, in PageEntry entry, ulong pfn)
    {
        if (HugePmd.IsHugeZero(system, entry))
            return PagemapFlags.Zero | PagemapFlags.File;
        var flags = PagemapFlags.None;
        if (!Folios.IsAnon(system, entry.Frame))
            flags |= PagemapFlags.File;
        if (system.Memory[Uniform(system) ? entry.Frame : pfn].MapCount == 1)
            flags |= PagemapFlags.Exclusive;
        return flags;
    }
}
