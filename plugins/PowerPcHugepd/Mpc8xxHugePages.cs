using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The 8xx hugetlb sizes in MMU page size index order, those above the base page: 16K (with 4K
/// pages) and 512K are runs of consecutive ptes of a normal pte table, each one the next base page
/// of the huge page; 8M is a hugepd written into the two pgd slots it spans, both pointing to one
/// table whose first entry maps the page. The default is 512K.
/// </summary>
/// Kernel: mmu_psize_defs of arch/powerpc/mm/nohash/tlb.c (8xx: 4K, 16K, 512K, 8M), huge_pte_alloc() and
/// __hugepte_alloc() (arch/powerpc/mm/hugetlbpage.c), set_huge_pte_at() (mm/pgtable.c) with
/// number_of_cells_per_pte() (asm/nohash/32/pgtable.h), HPAGE_SHIFT 19 (asm/page.h).
internal static class Mpc8xxHugePages
{
    public const int Shift16K = 14;
    public const int Shift512K = 19;
    public const int Shift8M = 23;

    /// <summary>Kernel: arch_hugetlb_valid_size() takes only sizes above PAGE_SIZE.</summary>
    public static IReadOnlyList<HugePageSize> For(int pageShift) =>
        new[]
        {
            new HugePageSize(Shift16K, PageLevel.Pte, HugePlacement.ContiguousRun),
            new HugePageSize(Shift512K, PageLevel.Pte, HugePlacement.ContiguousRun),
            new HugePageSize(Shift8M, PageLevel.Pgd, HugePlacement.HugePd),
        }.Where(size => size.Shift > pageShift).ToArray();
}
