using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The 8xx has two levels: a 1024-entry pgd of 4M slots and a page-sized pte table of 1024 4-byte
/// entries; pud and pmd fold into the pgd and p4d is folded as everywhere on 32-bit. Users get the
/// low 2G (CONFIG_TASK_SIZE's 8xx default). 16K pages are not offered: their pte_t is four copies of
/// the word (16 bytes), a table entry width the core does not have.
/// </summary>
/// Kernel: arch/powerpc/include/asm/nohash/32/pgtable.h (PTE_INDEX_SIZE, PGDIR_SHIFT, PTRS_PER_PGD),
/// asm/page_32.h (PTE_SHIFT, PTE_T_LOG2), asm/pgtable-types.h (pte_t of 8xx with 16K pages), arch/powerpc/Kconfig (TASK_SIZE).
internal static class Mpc8xxPaging
{
    public const int PageShift = 12;
    public const int PgdShift = 22;
    public const ulong TaskSize = 0x80000000;

    public static PageGeometry Geometry() => new(
        pageShift: PageShift,
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
            new LevelGeometry(PageLevel.Pte, PageShift, 1 << (PgdShift - PageShift), Folded: false),
        ]);
}
