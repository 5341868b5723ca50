using Pluggable.Core.Arch;

namespace Pluggable.Arch.Arm64;

/// <summary>
/// arm64 table geometry from the granule and the VA size: every table fills one page of 8-byte
/// entries, and as many levels are used as the VA needs; the top one may be only partly filled.
/// Hardware levels 0..3 are p4d/pud/pmd/pte; the pgd is whichever level the walk starts at, and the
/// logical levels above it fold into it.
/// </summary>
/// Kernel: arch/arm64/include/asm/pgtable-hwdef.h (ARM64_HW_PGTABLE_LEVELS, ARM64_HW_PGTABLE_LEVEL_SHIFT, PTRS_PER_PGD), asm/processor.h (TASK_SIZE_64).
internal static class Arm64Paging
{
    /// <summary>Kernel: CONFIG_PGTABLE_LEVELS = ARM64_HW_PGTABLE_LEVELS(VA_BITS).</summary>
    public static int Levels(int pageShift, int vaBits) => (vaBits - 4) / (pageShift - 3);

    /// <summary>Kernel: ARM64_HW_PGTABLE_LEVEL_SHIFT(n).</summary>
    public static int LevelShift(int pageShift, int hwLevel) => (pageShift - 3) * (4 - hwLevel) + 3;

    public static PageGeometry Geometry(int pageShift, int vaBits)
    {
        int levels = Levels(pageShift, vaBits);
        int entries = 1 << (pageShift - 3);
        int pgdShift = LevelShift(pageShift, 4 - levels);
        bool p4d = levels >= 5, pud = levels >= 4, pmd = levels >= 3;
        int pudShift = pud ? LevelShift(pageShift, 1) : pgdShift;
        return new PageGeometry(
            pageShift: pageShift,
            vaBits: vaBits,
            taskSize: 1UL << vaBits,
            entryBytes: 8,
            bigEndian: false,
            levels:
            [
                new LevelGeometry(PageLevel.Pgd, pgdShift, 1 << (vaBits - pgdShift), Folded: false),
                new LevelGeometry(PageLevel.P4d, p4d ? LevelShift(pageShift, 0) : pgdShift, p4d ? entries : 1, Folded: !p4d),
                new LevelGeometry(PageLevel.Pud, pudShift, pud ? entries : 1, Folded: !pud),
                new LevelGeometry(PageLevel.Pmd, pmd ? LevelShift(pageShift, 2) : pudShift, pmd ? entries : 1, Folded: !pmd),
                new LevelGeometry(PageLevel.Pte, pageShift, entries, Folded: false),
            ]);
    }
}
