using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Hugetlb sizes of Book3S-64, in MMU page size index order as hugetlbpage_init() registers them.
/// Hash offers 16M and 16G, radix 2M and 1G. A size equal to a level's span is a leaf there; a size
/// between two levels gets a hugepd in the slot of the level above (hash with 4K pages: 16M in a
/// pud slot, 16G in a pgd slot).
/// </summary>
/// Kernel: check_and_get_huge_psize() (asm/book3s/64/hugetlb.h), huge_pte_alloc() and hugetlbpage_init()
/// (arch/powerpc/mm/hugetlbpage.c), hash__has_transparent_hugepage() (mm/book3s64/hash_pgtable.c).
internal static class Book3S64HugePages
{
    public const int Shift16M = 24;
    public const int Shift16G = 34;
    public const int Shift2M = 21;
    public const int Shift1G = 30;

    public static IReadOnlyList<HugePageSize> For(PowerPcMmu mmu, PageGeometry g)
    {
        int[] shifts = mmu == PowerPcMmu.Hash ? [Shift16M, Shift16G] : [Shift2M, Shift1G];
        return shifts.Select(shift => Place(shift, g, ThpAt(mmu, g) == shift)).ToList();
    }

    /// <summary>
    /// The THP size, or 0: radix always has the 2M pmd; hash only when the pmd maps 16M, i.e. with
    /// 64K pages, because hash THP needs a 16M MMU page in the segment.
    /// </summary>
    public static int ThpAt(PowerPcMmu mmu, PageGeometry g) =>
        mmu == PowerPcMmu.Radix || g.PmdShift == Shift16M ? g.PmdShift : 0;

    /// <summary>Kernel: the pdshift ladder of huge_pte_alloc() for CONFIG_PPC_BOOK3S_64.</summary>
    private static HugePageSize Place(int shift, PageGeometry g, bool thp)
    {
        foreach (var level in new[] { PageLevel.Pmd, PageLevel.Pud, PageLevel.Pgd })
        {
            if (shift == g[level].Shift)
                return new HugePageSize(shift, level, HugePlacement.Leaf, Transparent: thp);
        }

        if (shift > g.PudShift)
            return new HugePageSize(shift, PageLevel.Pgd, HugePlacement.HugePd);
        if (shift > g.PmdShift)
            return new HugePageSize(shift, PageLevel.Pud, HugePlacement.HugePd);
        return new HugePageSize(shift, PageLevel.Pmd, HugePlacement.HugePd);
    }
}
