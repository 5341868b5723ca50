using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The 8xx has two levels: a 1024-entry pgd of 4M slots and a pte table; pud and pmd fold into the
/// pgd and p4d is folded as everywhere on 32-bit. With 4K pages the pte table is a page of 1024
/// 4-byte entries. With 16K pages a pte_t is four copies of its 32-bit word (the MMU walks in 4K
/// steps), so a table of 256 of them fills a quarter of a page. Users get the low 2G
/// (CONFIG_TASK_SIZE's 8xx default).
/// </summary>
/// Kernel: arch/powerpc/include/asm/nohash/32/pgtable.h (PTE_INDEX_SIZE, PGDIR_SHIFT, PTRS_PER_PGD),
/// asm/page_32.h (PTE_SHIFT: a quarter page with 8xx 16K, PTE_T_LOG2), asm/pgtable-types.h (pte_t of
/// 8xx with 16K pages), arch/powerpc/Kconfig (TASK_SIZE).
internal static class Mpc8xxPaging
{
    public const int PgdShift = 22;
    public const ulong TaskSize = 0x80000000;

    /// <summary>Words in one pte_t: four with 16K pages, one with 4K.</summary>
    public static int PteCopies(int pageShift) => pageShift == 14 ? 4 : 1;

    public static PageGeometry Geometry(int pageShift) => new(
        pageShift: pageShift,
        vaBits: 32,
        taskSize: TaskSize,
        entryBytes: 4,
        bigEndian: true,
        levels:
        [
            new LevelGeometry(PageLevel.Pgd, PgdShift, 1 << (32 - PgdShift), Folded: false),
            new LevelGeometry(PageLevel.P4d, PgdShift, 1, Folded: true),
            new LevelGeometry(PageLevel.Pud, PgdShift, 1, Folded: true),
            new LevelGeometry(PageLevel.Pmd, PgdShift, 1, Folded: true),
            new LevelGeometry(PageLevel.Pte, pageShift, 1 << (PgdShift - pageShift), Folded: false),
        ],
        pteCopies: PteCopies(pageShift));
}
