using Pluggable.Core.Arch;
using Pluggable.Core.Kernel;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Book3S-64 (POWER servers) under the hash or the radix MMU, with 4K or 64K pages, as Linux 6.1
/// lays out its tables: hash with 4K pages is the shape with hugepds (16M in a pud slot, 16G in a
/// pgd slot); hash 64K and radix map their huge pages as pmd/pud leaves.
/// </summary>
/// Kernel: arch/powerpc/include/asm/book3s/64 (pgtable.h, hash-4k.h, hash-64k.h, radix-4k.h, radix-64k.h,
/// hugetlb.h, tlbflush.h), arch/powerpc/mm/hugetlbpage.c, arch/powerpc/mm/book3s64/radix_tlb.c.
public sealed class Book3S64Architecture : Architecture
{
    /// <summary>Above this many pages a radix range flush invalidates the whole PID instead.</summary>
    /// Kernel: tlb_single_page_flush_ceiling (arch/powerpc/mm/book3s64/radix_tlb.c).
    private const int RadixSinglePageFlushCeiling = 33;

    public Book3S64Architecture(PowerPcMmu mmu, int pageShift)
    {
        if (mmu is not (PowerPcMmu.Hash or PowerPcMmu.Radix))
            throw new ArgumentOutOfRangeException(nameof(mmu), mmu, "Book3S-64 runs the hash or the radix MMU");
        Mmu = mmu;
        Geometry = Book3S64Paging.Geometry(mmu, pageShift);
        Codec = new Book3S64EntryCodec(mmu, Geometry);
        HugePageSizes = Book3S64HugePages.For(mmu, Geometry);
        Capabilities = new ArchCapabilities(
            Thp: Book3S64HugePages.ThpAt(mmu, Geometry) != 0,
            UffdWp: false,
            UffdMinor: false,
            GupFast: true,
            PteSpecial: true,
            SoftDirty: true,
            ExecOnly: mmu == PowerPcMmu.Radix ? ExecOnlyPages.Entry : ExecOnlyPages.FaultOnly,
            ExecOnlySince: mmu == PowerPcMmu.Radix ? null : new LinuxVersion(6, 12));
    }

    public PowerPcMmu Mmu { get; }

    public override string Name => PowerPcPlugin.ArchName;

    public override string Configuration => $"mmu={PowerPcPlugin.MmuName(Mmu)},page={PowerPcPlugin.PageName(Geometry.PageShift)}";

    public override PageGeometry Geometry { get; }

    public override IEntryCodec Codec { get; }

    public override IReadOnlyList<HugePageSize> HugePageSizes { get; }

    /// <summary>Hash keeps 16M as HPAGE_SHIFT even with 4K pages, where it is a hugepd and not a pmd leaf.</summary>
    /// Kernel: HPAGE_SHIFT set from mmu_psize_defs[MMU_PAGE_16M] (hash) or PMD_SHIFT (radix).
    public override HugePageSize? DefaultHugePage => HugePageSizes[0];

    /// <summary>
    /// THP with hash needs a 16M pmd (64K pages). powerpc selects neither HAVE_ARCH_USERFAULTFD_WP nor
    /// _MINOR (a ppc64el 6.12 kernel still reports userfaultfd features 0x149fe, without them), but has
    /// ARCH_HAS_PTE_SPECIAL and HAVE_FAST_GUP, and selects HAVE_ARCH_SOFT_DIRTY for Book3S-64 with either page size.
    /// Radix maps PROT_EXEC alone execute-only (PAGE_EXECONLY, no _PAGE_READ) and access_error() refuses a
    /// load from such a VMA; hash maps it readable.
    /// </summary>
    /// Kernel: arch/powerpc/Kconfig (PPC_4K_PAGES / PPC_64K_PAGES select HAVE_ARCH_SOFT_DIRTY if PPC_BOOK3S_64),
    /// arch/powerpc/platforms/Kconfig.cputype (PPC_BOOK3S_64 selects HAVE_ARCH_TRANSPARENT_HUGEPAGE),
    /// hash__has_transparent_hugepage() (mm/book3s64/hash_pgtable.c), vm_get_page_prot() (mm/book3s64/pgtable.c),
    /// access_error() (mm/fault.c).
    public override ArchCapabilities Capabilities { get; }

    /// <summary>
    /// Hash invalidates the hash-table slot when the pte itself changes (hpte_need_flush batches), so
    /// the flush calls are empty there; radix issues tlbie.
    /// </summary>
    /// Kernel: hash__flush_tlb_page() (empty, asm/book3s/64/tlbflush-hash.h), radix__flush_tlb_page().
    public override void FlushTlbPage(ArchContext ctx, ulong address)
    {
        if (Mmu == PowerPcMmu.Radix)
            ctx.Note("flush_tlb_page", "tlbie va (radix)");
    }

    /// <summary>Kernel: radix__flush_tlb_range() against tlb_single_page_flush_ceiling; hash__flush_tlb_range() is empty.</summary>
    public override void FlushTlbRange(ArchContext ctx, ulong start, ulong end, int strideShift)
    {
        if (Mmu != PowerPcMmu.Radix || !ctx.Trace.Enabled)
            return;
        ulong pages = (end - start) >> strideShift;
        ctx.Note("flush_tlb_range", pages > RadixSinglePageFlushCeiling
            ? $"tlbie pid ({pages} pages > ceiling {RadixSinglePageFlushCeiling})"
            : $"tlbie va per page ({pages} x {HugePageSize.Format(1UL << strideShift)})");
    }

    /// <summary>Kernel: radix__flush_tlb_mm() (tlbie pid); hash__flush_tlb_mm() is empty.</summary>
    public override void FlushTlbMm(ArchContext ctx)
    {
        if (Mmu == PowerPcMmu.Radix)
            ctx.Note("flush_tlb_mm", "tlbie pid");
    }
}
