using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>
/// Pagemap of a hugetlb VMA: every base page of a huge page is present with frame head + index,
/// file unless anonymous, exclusive unless the huge page is mapped more than once, wp when the entry
/// carries uffd-wp. A uffd-wp marker is only wp (after 6.12: 6.12 reads it as empty); a poison
/// marker reports nothing.
/// </summary>
/// Kernel: pagemap_hugetlb_range() (fs/proc/task_mmu.c).
public static class HugetlbPagemap
{
    /// <summary>What every base page of the huge page whose entry is <paramref name="entry"/> reads.</summary>
    public static PagemapFlags FlagsOf(MmStruct mm, in PageEntry entry)
    {
        var system = mm.System;
        if (entry.Kind == EntryKind.Swap)
            return (PteMarker.IsUffdWp(entry) && system.Kernel.HugetlbPagemapShowsWpMarker) || entry.Has(EntryFlags.UffdWp) ? PagemapFlags.Wp : PagemapFlags.None;
        if (entry.Kind != EntryKind.Page)
            return PagemapFlags.None;
        var flags = PagemapFlags.Present;
        if (!HugetlbFolios.IsAnon(system, entry.Frame))
            flags |= PagemapFlags.File;
        if (system.Memory[entry.Frame].MapCount == 1)
            flags |= PagemapFlags.Exclusive;
        if (entry.Has(EntryFlags.UffdWp))
            flags |= PagemapFlags.Wp;
        return flags;
    }
}
