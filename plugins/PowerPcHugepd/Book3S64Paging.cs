using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Book3S-64 table geometry: four levels (p4d always folded) whose index sizes depend on the MMU
/// and the base page. The kernel keeps them in run-time variables because one image boots either
/// MMU; here the choice is made once, at plugin creation.
/// </summary>
/// Kernel: arch/powerpc/include/asm/book3s/64/hash-4k.h, hash-64k.h, radix-4k.h, radix-64k.h
/// (H_/RADIX_{PTE,PMD,PUD,PGD}_INDEX_SIZE), asm/book3s/64/pgtable.h (__pte_index_size... and the
/// *_SHIFT formulas), asm/task_size_64.h (TASK_SIZE_USER64).
internal static class Book3S64Paging
{
    /// <summary>Index bits of the pte, pmd, pud and pgd tables.</summary>
    public static (int Pte, int Pmd, int Pud, int Pgd) IndexSizes(PowerPcMmu mmu, int pageShift) => (mmu, pageShift) switch
    {
        (PowerPcMmu.Hash, 12) => (9, 7, 9, 9),
        (PowerPcMmu.Hash, 16) => (8, 10, 10, 8),
        (PowerPcMmu.Radix, 12) => (9, 9, 9, 13),
        (PowerPcMmu.Radix, 16) => (5, 9, 9, 13),
        _ => throw new ArgumentOutOfRangeException(nameof(pageShift), pageShift, $"Book3S-64 {mmu} has 4K or 64K pages"),
    };

    /// <summary>
    /// The user limit: 64TB with 4K pages (the hash 4K table reaches no further, and radix 4K keeps
    /// the same limit), 4PB with 64K pages.
    /// </summary>
    /// Kernel: TASK_SIZE_USER64 (TASK_SIZE_64TB / TASK_SIZE_4PB).
    public static ulong TaskSize(int pageShift) => pageShift == 12 ? 1UL << 46 : 1UL << 52;

    public static PageGeometry Geometry(PowerPcMmu mmu, int pageShift)
    {
        var (pte, pmd, pud, pgd) = IndexSizes(mmu, pageShift);
        int pmdShift = pageShift + pte;
        int pudShift = pmdShift + pmd;
        int pgdShift = pudShift + pud;
        return new PageGeometry(
            pageShift: pageShift,
            vaBits: pgdShift + pgd,
            taskSize: TaskSize(pageShift),
            entryBytes: 8,
            bigEndian: true,
            levels:
            [
                new LevelGeometry(PageLevel.Pgd, pgdShift, 1 << pgd, Folded: false),
                new LevelGeometry(PageLevel.P4d, pgdShift, 1, Folded: true),
                new LevelGeometry(PageLevel.Pud, pudShift, 1 << pud, Folded: false),
                new LevelGeometry(PageLevel.Pmd, pmdShift, 1 << pmd, Folded: false),
                new LevelGeometry(PageLevel.Pte, pageShift, 1 << pte, Folded: false),
            ]);
    }
}
