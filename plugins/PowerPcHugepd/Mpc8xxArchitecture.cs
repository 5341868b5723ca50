using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The 32-bit MPC8xx with 4K or 16K pages: two-level tables of 4-byte entries (a 16K page's pte
/// four of them), the 8M hugepd shared by two pgd slots, and 16K (with 4K pages) and 512K huge pages
/// as runs of ptes. Its instruction cache is not coherent with the data cache, so executable
/// mappings go through the PowerPC exec filter.
/// </summary>
/// Kernel: arch/powerpc/include/asm/nohash/32 (pte-8xx.h, pgtable.h, hugetlb-8xx.h, mmu-8xx.h),
/// arch/powerpc/mm/nohash/8xx.c, arch/powerpc/mm/pgtable.c (set_pte_filter), asm/cacheflush.h.
public sealed class Mpc8xxArchitecture : Architecture
{
    public override string Name => PowerPcPlugin.ArchName;

    public Mpc8xxArchitecture(int pageShift = 12)
    {
        if (pageShift is not (12 or 14))
            throw new ArgumentOutOfRangeException(nameof(pageShift), pageShift, "the 8xx runs 4K or 16K pages");
        Geometry = Mpc8xxPaging.Geometry(pageShift);
        Codec = new Mpc8xxEntryCodec(pageShift);
        HugePageSizes = Mpc8xxHugePages.For(pageShift);
    }

    public override string Configuration => $"mmu=8xx,page={PowerPcPlugin.PageName(Geometry.PageShift)}";

    public override PageGeometry Geometry { get; }

    public override IEntryCodec Codec { get; }

    public override IReadOnlyList<HugePageSize> HugePageSizes { get; }

    /// <summary>Kernel: HPAGE_SHIFT 19 for CONFIG_PPC_8xx (asm/page.h).</summary>
    public override HugePageSize? DefaultHugePage => HugePageSizes.First(size => size.Shift == Mpc8xxHugePages.Shift512K);

    /// <summary>
    /// Only Book3S-64 selects HAVE_ARCH_TRANSPARENT_HUGEPAGE and HAVE_ARCH_SOFT_DIRTY; powerpc as a
    /// whole has HAVE_FAST_GUP and ARCH_HAS_PTE_SPECIAL and no userfaultfd WP or MINOR.
    /// </summary>
    /// Kernel: arch/powerpc/Kconfig, arch/powerpc/platforms/Kconfig.cputype.
    public override ArchCapabilities Capabilities { get; } =
        new(Thp: false, UffdWp: false, UffdMinor: false, GupFast: true, PteSpecial: true, SoftDirty: false);

    /// <summary>
    /// A user-executable page whose data cache may still hold stale instructions loses its EXEC bit;
    /// the kernel gives it back (after the cache sync) on the exec fault that follows, which the
    /// emulator does not model, so the page simply stays non-executable until then.
    /// </summary>
    /// Kernel: set_pte_filter() and pte_looks_normal() (arch/powerpc/mm/pgtable.c), PG_dcache_clean = PG_arch_1.
    public override PageEntry PrepareSetEntry(ArchContext ctx, PageLevel level, ulong address, in PageEntry entry)
    {
        if (entry.Kind != EntryKind.Page || !entry.Has(EntryFlags.Exec) || entry.Has(EntryFlags.Special)
            || !entry.Has(EntryFlags.User) || ctx.GetArchFlag(entry.Frame))
            return entry;
        ctx.Note("set_pte_filter", "exec filtered: dcache not clean");
        return entry.With(EntryFlags.None, EntryFlags.Exec);
    }

    /// <summary>Without a coherent icache the folio is only marked as needing a sync before it may be executed.</summary>
    /// Kernel: flush_dcache_page() (asm/cacheflush.h) clears PG_dcache_clean unless CPU_FTR_COHERENT_ICACHE.
    public override void FlushDcachePage(ArchContext ctx, ulong pfn)
    {
        if (!ctx.GetArchFlag(pfn))
            return;
        ctx.SetArchFlag(pfn, false);
        ctx.Note("flush_dcache_page", "clear PG_dcache_clean");
    }
}
