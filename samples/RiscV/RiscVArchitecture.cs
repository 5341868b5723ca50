using Pluggable.Core.Arch;
using static Pluggable.Arch.RiscV.RiscVPaging;

namespace Pluggable.Arch.RiscV;

/// <summary>riscv64 with Sv39 (3 levels) or Sv48 (4 levels) paging, Svnapot present.</summary>
/// Kernel: arch/riscv (asm/pgtable*.h, mm/hugetlbpage.c, mm/tlbflush.c, mm/cacheflush.c, Kconfig).
public sealed class RiscVArchitecture : Architecture
{
    /// <summary>Kernel: tlb_flush_all_threshold (arch/riscv/mm/tlbflush.c).</summary>
    public const int FlushAllThreshold = 64;

    public RiscVArchitecture(int levels)
    {
        if (levels is not (3 or 4))
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "riscv64 models Sv39 (3 levels) or Sv48 (4 levels)");
        Geometry = RiscVPaging.Geometry(levels);
        Codec = new RiscVEntryCodec(Geometry);
        Configuration = levels == 3 ? "mode=sv39" : "mode=sv48";
        // 64K napot, then 1G (both arch_initcalls, in file order), then the default 2M from hugetlb_init().
        // PUD_SIZE is 1G in both modes; on Sv39 the pud folds into the pgd, so the 1G leaf is a pgd entry,
        // as huge_pte_alloc() returns the (folded) pud pointer, which is the pgd slot.
        HugePageSizes =
        [
            new HugePageSize(PageShift + RiscVPteBits.NapotOrder, PageLevel.Pte, HugePlacement.ContiguousRun, RunAdvancesFrame: false),
            new HugePageSize(PudShift, levels == 4 ? PageLevel.Pud : PageLevel.Pgd, HugePlacement.Leaf),
            new HugePageSize(PmdShift, PageLevel.Pmd, HugePlacement.Leaf, Transparent: true),
        ];
    }

    public override string Name => RiscVPlugin.ArchName;

    public override string Configuration { get; }

    public override PageGeometry Geometry { get; }

    public override IEntryCodec Codec { get; }

    /// <summary>Kernel: napot_hugetlbpages_init(), gigantic_pages_init(), arch_hugetlb_valid_size() (arch/riscv/mm/hugetlbpage.c).</summary>
    public override IReadOnlyList<HugePageSize> HugePageSizes { get; }

    /// <summary>
    /// THP, uffd-minor and pte-special as Kconfig selects them. No uffd-wp and no soft-dirty: 6.18 selects
    /// neither; 6.19 adds both, only with RISCV_ISA_SVRSW60T59B and a hart that has the extension.
    /// Exec-only: protection_map[VM_EXEC] is PAGE_EXEC (no R), and access_error() wants VM_READ or
    /// VM_WRITE for a load.
    /// </summary>
    /// Kernel: arch/riscv/Kconfig (HAVE_ARCH_TRANSPARENT_HUGEPAGE, HAVE_ARCH_USERFAULTFD_MINOR, HAVE_GUP_FAST,
    /// ARCH_HAS_PTE_SPECIAL); arch/riscv/mm/init.c protection_map; arch/riscv/mm/fault.c access_error().
    public override ArchCapabilities Capabilities { get; } =
        new(Thp: true, UffdWp: false, UffdMinor: true, GupFast: true, PteSpecial: true, SoftDirty: false, ExecOnly: ExecOnlyPages.Entry);

    /// <summary>A live napot run is invalidated and fenced before it is rewritten (the privileged spec's rule).</summary>
    /// Kernel: set_huge_pte_at() -> clear_flush() (arch/riscv/mm/hugetlbpage.c).
    public override bool RunNeedsBreakBeforeMake => true;

    /// <summary>The first executable mapping of a folio syncs the instruction cache, then marks it clean.</summary>
    /// Kernel: __set_pte_at() -> flush_icache_pte() (arch/riscv/mm/cacheflush.c), PG_dcache_clean = PG_arch_1.
    public override PageEntry PrepareSetEntry(ArchContext ctx, PageLevel level, ulong address, in PageEntry entry)
    {
        if (entry.Kind == EntryKind.Page && entry.Has(EntryFlags.Exec) && !ctx.GetArchFlag(entry.Frame))
        {
            ctx.Note("set_pte_at", "flush_icache_pte: flush_icache_mm (fence.i)");
            ctx.SetArchFlag(entry.Frame, true);
        }
        return entry;
    }

    /// <summary>Kernel: flush_dcache_folio() clears PG_dcache_clean (arch/riscv/include/asm/cacheflush.h).</summary>
    public override void FlushDcachePage(ArchContext ctx, ulong pfn)
    {
        ctx.SetArchFlag(pfn, false);
        ctx.Note("flush_dcache_folio", "clear PG_dcache_clean");
    }

    /// <summary>Kernel: flush_tlb_page() -> __flush_tlb_range(addr, PAGE_SIZE) -> local_flush_tlb_page_asid().</summary>
    public override void FlushTlbPage(ArchContext ctx, ulong address) => ctx.Note("flush_tlb_page", "sfence.vma addr, asid");

    /// <summary>One fence per stride, or one for the whole ASID past the threshold; a napot stride is reset to 4K.</summary>
    /// Kernel: flush_tlb_range() -> __flush_tlb_range() -> local_flush_tlb_range_threshold_asid().
    public override void FlushTlbRange(ArchContext ctx, ulong start, ulong end, int strideShift)
    {
        if (!ctx.Trace.Enabled)
            return;
        int shift = strideShift < PmdShift ? PageShift : strideShift;
        ulong strides = (end - start + (1UL << shift) - 1) >> shift;
        ctx.Note("flush_tlb_range", strides > FlushAllThreshold
            ? $"sfence.vma x0, asid ({strides} strides > {FlushAllThreshold})"
            : $"sfence.vma addr, asid per stride ({strides} x {HugePageSize.Format(1UL << shift)})");
    }

    /// <summary>Kernel: flush_tlb_mm() -> __flush_tlb_range(FLUSH_TLB_MAX_SIZE) -> local_flush_tlb_all_asid().</summary>
    public override void FlushTlbMm(ArchContext ctx) => ctx.Note("flush_tlb_mm", "sfence.vma x0, asid");

    /// <summary>sfence.vma orders, it does not flush: a new valid entry is fenced eagerly unless the hart has Svvptc.</summary>
    /// Kernel: update_mmu_cache_range() -> local_flush_tlb_page() (arch/riscv/include/asm/pgtable.h).
    public override void UpdateMmuCache(ArchContext ctx, ulong address, PageLevel level, in PageEntry entry) =>
        ctx.Note("update_mmu_cache", "local sfence.vma addr (no Svvptc)");
}
