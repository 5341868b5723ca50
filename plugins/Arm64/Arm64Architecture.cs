using Pluggable.Core.Arch;
using Pluggable.Core.Kernel;

namespace Pluggable.Arch.Arm64;

/// <summary>arm64 with a 4K, 16K or 64K granule and a 39- or 48-bit user VA.</summary>
/// Kernel: arch/arm64 (asm/pgtable*.h, asm/tlbflush.h, mm/hugetlbpage.c, mm/flush.c).
public sealed class Arm64Architecture : Architecture
{
    /// <param name="epan">The CPU has Enhanced PAN, so PROT_EXEC alone is execute-only.</param>
    public Arm64Architecture(int pageShift, int vaBits, bool epan = true)
    {
        if (pageShift is not (12 or 14 or 16))
            throw new ArgumentOutOfRangeException(nameof(pageShift), pageShift, "arm64 granules are 4K, 16K or 64K");
        if (vaBits is not (39 or 48) || (vaBits == 39 && pageShift != 12))
            throw new ArgumentOutOfRangeException(nameof(vaBits), vaBits, "arm64 VA is 48 bits, or 39 with the 4K granule");
        Geometry = Arm64Paging.Geometry(pageShift, vaBits);
        Codec = new Arm64EntryCodec(Geometry);
        HugePageSizes = Arm64HugePages.For(Geometry);
        Granule = Arm64Plugin.GranuleName(pageShift);
        Epan = epan;
        Capabilities = new(Thp: true, UffdWp: true, UffdMinor: true, GupFast: true, PteSpecial: true, SoftDirty: false,
            ExecOnly: epan ? ExecOnlyPages.Entry : ExecOnlyPages.None, UffdWpSince: new LinuxVersion(6, 10));
    }

    /// <summary>Whether the CPU has Enhanced PAN (FEAT_PAN3).</summary>
    public bool Epan { get; }

    /// <summary>"4k", "16k" or "64k".</summary>
    public string Granule { get; }

    public override string Name => Arm64Plugin.ArchName;

    public override string Configuration => $"granule={Granule},va={Geometry.VaBits},epan={(Epan ? "on" : "off")}";

    public override PageGeometry Geometry { get; }

    public override IEntryCodec Codec { get; }

    public override IReadOnlyList<HugePageSize> HugePageSizes { get; }

    /// <summary>
    /// Kernel: arch/arm64/Kconfig selects HAVE_ARCH_TRANSPARENT_HUGEPAGE, HAVE_ARCH_USERFAULTFD_WP (v6.10+)
    /// and _MINOR, ARCH_HAS_PTE_SPECIAL; it has no HAVE_ARCH_SOFT_DIRTY. Exec-only on a CPU with EPAN
    /// (FEAT_PAN3; QEMU 7.2's -cpu max lacks it, so epan=off models the VM kernels):
    /// adjust_protection_map() makes VM_EXEC PAGE_EXECONLY (no PTE_USER), and do_page_fault() no
    /// longer lets VM_EXEC satisfy a load (arch/arm64/mm/mmap.c, fault.c).
    /// </summary>
    public override ArchCapabilities Capabilities { get; }

    /// <summary>Changing a live contiguous run without invalidating it first is "misprogramming of the contiguous bit".</summary>
    /// Kernel: set_huge_pte_at() / clear_flush() in arch/arm64/mm/hugetlbpage.c.
    public override bool RunNeedsBreakBeforeMake => true;

    /// <summary>
    /// The lazy I/D cache sync: a user-executable page whose folio is not yet "dcache clean" has its
    /// data cache cleaned and instruction cache invalidated when first mapped, then is marked clean.
    /// </summary>
    /// Kernel: __set_ptes_anysz() -> __sync_icache_dcache() (arch/arm64/mm/flush.c), PG_dcache_clean = PG_arch_1.
    public override PageEntry PrepareSetEntry(ArchContext ctx, PageLevel level, ulong address, in PageEntry entry)
    {
        if (entry.Kind == EntryKind.Page && entry.Has(EntryFlags.Exec)
            && !entry.Has(EntryFlags.ProtNone) && !entry.Has(EntryFlags.Special) && !ctx.GetArchFlag(entry.Frame))
        {
            ctx.Note("set_pte", "sync I/D cache");
            ctx.SetArchFlag(entry.Frame, true);
        }

        return entry;
    }

    /// <summary>Last-level only, so the walk caches survive.</summary>
    /// Kernel: flush_tlb_page() -> flush_tlb_page_nosync() (TLBI VALE1IS) + DSB ISH.
    public override void FlushTlbPage(ArchContext ctx, ulong address) =>
        ctx.Note("flush_tlb_page", "tlbi vale1is");

    /// <summary>
    /// One TLBI per stride, unless the range holds MAX_TLBI_OPS strides or more: then invalidating
    /// the whole ASID is cheaper.
    /// </summary>
    /// Kernel: flush_tlb_range() -> __flush_tlb_range(stride, last_level=false) against MAX_DVM_OPS (PTRS_PER_PTE).
    public override void FlushTlbRange(ArchContext ctx, ulong start, ulong end, int strideShift)
    {
        if (!ctx.Trace.Enabled)
            return;
        ulong strides = (end - start) >> strideShift;
        int maxOps = Geometry[PageLevel.Pte].Entries;
        ctx.Note("flush_tlb_range", strides >= (ulong)maxOps
            ? $"tlbi aside1is ({strides} strides >= MAX_TLBI_OPS {maxOps})"
            : $"tlbi vae1is per stride ({strides} x {HugePageSize.Format(1UL << strideShift)})");
    }

    /// <summary>Kernel: flush_tlb_mm() (TLBI ASIDE1IS).</summary>
    public override void FlushTlbMm(ArchContext ctx) =>
        ctx.Note("flush_tlb_mm", "tlbi aside1is");

    /// <summary>Nothing is flushed now; the folio is only marked as needing the I/D sync when next mapped executable.</summary>
    /// Kernel: flush_dcache_folio() clears PG_dcache_clean (arch/arm64/mm/flush.c).
    public override void FlushDcachePage(ArchContext ctx, ulong pfn)
    {
        ctx.SetArchFlag(pfn, false);
        ctx.Note("flush_dcache_folio", "clear PG_dcache_clean");
    }
}
