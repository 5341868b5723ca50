using Pluggable.Core.Arch;

namespace Pluggable.Arch.Arm64;

/// <summary>
/// The hugetlb sizes per granule, in registration order: the pud block (4K granule only), the
/// contiguous pmd run, the pmd block (the default and the THP size), the contiguous pte run.
/// </summary>
/// Kernel: hugetlbpage_init() and arch_hugetlb_valid_size() (arch/arm64/mm/hugetlbpage.c), CONT_PTE_SHIFT/CONT_PMD_SHIFT.
internal static class Arm64HugePages
{
    public static IReadOnlyList<HugePageSize> For(PageGeometry g)
    {
        int pageShift = g.PageShift;
        int pmdShift = g[PageLevel.Pmd].Shift;
        var sizes = new List<HugePageSize>();

        // pud_sect_supported() is the 4K granule; with a 3-level walk (VA 39) the pud folds into the
        // pgd, and the 1G block is a pgd entry (huge_pte_alloc() returns the folded pud, the pgd slot).
        if (pageShift == 12)
            sizes.Add(new HugePageSize(g[PageLevel.Pud].Shift, g[PageLevel.Pud].Folded ? PageLevel.Pgd : PageLevel.Pud, HugePlacement.Leaf));
        sizes.Add(new HugePageSize(pmdShift + ContPmdShift(pageShift), PageLevel.Pmd, HugePlacement.ContiguousRun));
        sizes.Add(new HugePageSize(pmdShift, PageLevel.Pmd, HugePlacement.Leaf, Transparent: true));
        sizes.Add(new HugePageSize(pageShift + ContPteShift(pageShift), PageLevel.Pte, HugePlacement.ContiguousRun));
        return sizes;
    }

    /// <summary>Kernel: CONFIG_ARM64_CONT_PMD_SHIFT (4 with 4K pages, 5 otherwise).</summary>
    private static int ContPmdShift(int pageShift) => pageShift == 12 ? 4 : 5;

    /// <summary>Kernel: CONFIG_ARM64_CONT_PTE_SHIFT (16 x 4K = 64K, 128 x 16K = 2M, 32 x 64K = 2M).</summary>
    private static int ContPteShift(int pageShift) => pageShift switch
    {
        12 => 4,
        14 => 7,
        _ => 5,
    };
}
