using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The 8xx hugetlb sizes in MMU page size index order: 16K and 512K are 4 and 128 consecutive ptes
/// of a normal pte table, each one the next 4K of the page; 8M is a hugepd written into the two pgd
/// slots it spans, both pointing to one table whose first entry maps the page. The default is 512K.
/// </summary>
/// Kernel: mmu_psize_defs of arch/powerpc/mm/nohash/tlb.c (8xx: 4K, 16K, 512K, 8M), huge_pte_alloc() and
/// __hugepte_alloc() (arch/powerpc/mm/hugetlbpage.c), set_huge_pte_at() (mm/pgtable.c) with
/// number_of_cells_per_pte() (asm/nohash/32/pgtable.h), HPAGE_SHIFT 19 (asm/page.h).
internal static class Mpc8xxHugePages
{
    public const int Shift16K = 14;
    public const int Shift512K = 19;
    public const int Shift8M = 23;

    public static IReadOnlyList<HugePageSize> For() =>
    [
        new HugePageSize(Shift16K, PageLevel.Pte, HugePlacement.ContiguousRun),
        new HugePageSize(Shift512K, PageLevel.Pte, HugePlacement.ContiguousRun),
        new HugePageSize(Shift8M, PageLevel.Pgd, HugePlacement.HugePd),
    ];
}
