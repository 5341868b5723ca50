namespace Pluggable.Core.Arch;

/// <summary>The five logical page-table levels Linux always walks, top to bottom.</summary>
/// Kernel: pgd_t, p4d_t, pud_t, pmd_t, pte_t and the pgtable-nop4d.h / pgtable-nopmd.h folding.
public enum PageLevel : byte
{
    Pgd = 0,
    P4d = 1,
    Pud = 2,
    Pmd = 3,
    Pte = 4,
}

public static class PageLevels
{
    public const int Count = 5;

    public static readonly PageLevel[] All = [PageLevel.Pgd, PageLevel.P4d, PageLevel.Pud, PageLevel.Pmd, PageLevel.Pte];

    public static string KernelName(this PageLevel level) => level switch
    {
        PageLevel.Pgd => "pgd",
        PageLevel.P4d => "p4d",
        PageLevel.Pud => "pud",
        PageLevel.Pmd => "pmd",
        _ => "pte",
    };
}
