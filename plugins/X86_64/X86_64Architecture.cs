using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64;

/// <summary>x86_64 with 4-level or 5-level (LA57) paging.</summary>
/// Kernel: arch/x86 (asm/pgtable*.h, mm/hugetlbpage.c, mm/tlb.c).
public sealed class X86_64Architecture : Architecture
{
    /// <summary>
    /// Above this many pages a range flush becomes a full flush: one CR3 reload is cheaper than a
    /// long run of INVLPGs plus the TLB misses they would avoid.
    /// </summary>
    /// Kernel: tlb_single_page_flush_ceiling (default 33).
    public const int SinglePageFlushCeiling = 33;

    private readonly int _userVaBits;

    public X86_64Architecture(int levels, bool protectionKeys = true)
    {
        if (levels is not (4 or 5))
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "x86_64 paging has 4 or 5 levels");
        PagingLevels = levels;
        ProtectionKeys = protectionKeys;
        Geometry = X86Paging.Geometry(levels);
        _userVaBits = X86Paging.UserVaBits(Geometry.VaBits);
        Capabilities = new(Thp: true, UffdWp: true, UffdMinor: true, GupFast: true, PteSpecial: true, SoftDirty: true,
            ExecOnly: protectionKeys ? ExecOnlyPages.ProtectionKey : ExecOnlyPages.None);
    }

    /// <summary>4, or 5 with LA57.</summary>
    public int PagingLevels { get; }

    /// <summary>Whether the CPU has protection keys (OSPKE), which Linux uses for PROT_EXEC alone.</summary>
    public bool ProtectionKeys { get; }

    public override string Name => X86_64Plugin.ArchName;

    public override string Configuration => $"levels={PagingLevels},pku={(ProtectionKeys ? "on" : "off")}";

    public override PageGeometry Geometry { get; }

    public override IEntryCodec Codec => X86_64EntryCodec.Instance;

    /// <summary>
    /// 1G first: the arch registers it at arch_initcall, before the generic code adds the default 2M
    /// hstate. Only 2M is transparent here; PUD-sized THP exists only for DAX, not anonymous memory.
    /// </summary>
    /// Kernel: gigantic_pages_init() (arch/x86/mm/hugetlbpage.c), hugetlb_init() (mm/hugetlb.c).
    public override IReadOnlyList<HugePageSize> HugePageSizes { get; } =
    [
        new HugePageSize(X86Paging.PudShift, PageLevel.Pud, HugePlacement.Leaf),
        new HugePageSize(X86Paging.PmdShift, PageLevel.Pmd, HugePlacement.Leaf, Transparent: true),
    ];

    /// <summary>
    /// Kernel: arch/x86/Kconfig selects HAVE_ARCH_TRANSPARENT_HUGEPAGE, HAVE_ARCH_USERFAULTFD_WP/_MINOR,
    /// HAVE_ARCH_SOFT_DIRTY, ARCH_HAS_PTE_SPECIAL. With protection keys, mmap and mprotect give
    /// PROT_EXEC alone execute_only_pkey() (mm/mmap.c do_mmap(), arch/x86/mm/pkeys.c), whose PKRU
    /// rights deny data access: a load is SIGSEGV (SEGV_PKUERR) and the task's own GUP is refused.
    /// </summary>
    public override ArchCapabilities Capabilities { get; }

    /// <summary>
    /// Anything below the top of the user half may be walked locklessly, including the guard page
    /// above TaskSize: the kernel checks only that no bit at or above __VIRTUAL_MASK_SHIFT is set.
    /// </summary>
    /// Kernel: gup_fast_permitted() (arch/x86/include/asm/pgtable_64.h).
    public override bool GupFastPermitted(ulong start, ulong end) => end >> _userVaBits == 0;

    /// <summary>x86_64 selects ARCH_SUPPORTS_PT_RECLAIM (Linux 6.14); the live 6.18 kernel has CONFIG_PT_RECLAIM=y.</summary>
    /// Kernel: arch/x86/Kconfig.
    public override bool ReclaimsEmptyPteTables => true;

    /// <summary>Kernel: flush_tlb_page() -> flush_tlb_mm_range(a, a + PAGE_SIZE).</summary>
    public override void FlushTlbPage(ArchContext ctx, ulong address) =>
        ctx.Note("flush_tlb_page", "invlpg 1 page");

    /// <summary>Kernel: flush_tlb_range() -> flush_tlb_mm_range(stride_shift), against tlb_single_page_flush_ceiling.</summary>
    public override void FlushTlbRange(ArchContext ctx, ulong start, ulong end, int strideShift)
    {
        if (!ctx.Trace.Enabled)
            return;
        ulong strides = (end - start) >> strideShift;
        ctx.Note("flush_tlb_range", strides > SinglePageFlushCeiling
            ? $"full flush ({strides} pages > ceiling {SinglePageFlushCeiling})"
            : $"invlpg per page ({strides} x {HugePageSize.Format(1UL << strideShift)})");
    }

    /// <summary>Kernel: flush_tlb_mm() -> flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, ...).</summary>
    public override void FlushTlbMm(ArchContext ctx) =>
        ctx.Note("flush_tlb_mm", "full flush");
}
