using Pluggable.Core.Arch;

namespace Pluggable.Arch.RiscV;

/// <summary>Sv39 (pgd 30, pmd 21, pte 12; p4d and pud folded) and Sv48 (pgd 39, pud 30, pmd 21, pte 12; p4d folded).</summary>
/// Kernel: arch/riscv/include/asm/pgtable-64.h (PGDIR_SHIFT_L3/_L4, PUD_SHIFT, PMD_SHIFT, PTRS_PER_*).
internal static class RiscVPaging
{
    public const int PageShift = 12;
    public const int PmdShift = 21;
    public const int PudShift = 30;
    private const int Entries = 512;

    public static PageGeometry Geometry(int levels)
    {
        bool sv48 = levels == 4;
        int pgdShift = sv48 ? 39 : PudShift;
        return new PageGeometry(PageShift, pgdShift + 9, TaskSize(pgdShift), entryBytes: 8, bigEndian: false,
        [
            new LevelGeometry(PageLevel.Pgd, pgdShift, Entries, Folded: false),
            new LevelGeometry(PageLevel.P4d, pgdShift, 1, Folded: true),
            new LevelGeometry(PageLevel.Pud, PudShift, sv48 ? Entries : 1, Folded: !sv48),
            new LevelGeometry(PageLevel.Pmd, PmdShift, Entries, Folded: false),
            new LevelGeometry(PageLevel.Pte, PageShift, Entries, Folded: false),
        ]);
    }

    /// <summary>User space is the lower half of what the pgd maps: 256 GiB on Sv39, 128 TiB on Sv48.</summary>
    /// Kernel: TASK_SIZE_64 = PGDIR_SIZE * PTRS_PER_PGD / 2 (arch/riscv/include/asm/pgtable.h).
    private static ulong TaskSize(int pgdShift) => (1UL << pgdShift) * Entries / 2;
}
