using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64;

/// <summary>
/// The two x86_64 paging modes. Both use 4K pages and 512-entry tables; LA57 adds a real p4d level
/// above the pud, which 4-level paging folds into the pgd.
/// </summary>
/// Kernel: arch/x86/include/asm/pgtable_64_types.h (PGDIR_SHIFT, P4D_SHIFT, PTRS_PER_P4D chosen at boot
/// by pgtable_l5_enabled()), arch/x86/include/asm/page_64_types.h (TASK_SIZE_MAX).
internal static class X86Paging
{
    public const int PmdShift = 21;
    public const int PudShift = 30;
    private const int P4dShift = 39;
    private const int IndexBits = 9;
    private const int Entries = 1 << IndexBits;

    public static PageGeometry Geometry(int levels)
    {
        bool la57 = levels == 5;
        int pgdShift = la57 ? 48 : P4dShift;
        int vaBits = pgdShift + IndexBits;
        return new PageGeometry(
            pageShift: X86PteBits.PageShift,
            vaBits: vaBits,
            taskSize: TaskSize(vaBits),
            entryBytes: 8,
            bigEndian: false,
            levels:
            [
                new LevelGeometry(PageLevel.Pgd, pgdShift, Entries, Folded: false),
                new LevelGeometry(PageLevel.P4d, P4dShift, la57 ? Entries : 1, Folded: !la57),
                new LevelGeometry(PageLevel.Pud, PudShift, Entries, Folded: false),
                new LevelGeometry(PageLevel.Pmd, PmdShift, Entries, Folded: false),
                new LevelGeometry(PageLevel.Pte, X86PteBits.PageShift, Entries, Folded: false),
            ]);
    }

    /// <summary>
    /// User space owns the lower half of the canonical range, less one guard page that keeps a
    /// SYSRET to a non-canonical address from ever being possible.
    /// </summary>
    /// Kernel: TASK_SIZE_MAX = (1 &lt;&lt; __VIRTUAL_MASK_SHIFT) - PAGE_SIZE.
    public static ulong TaskSize(int vaBits) => (1UL << UserVaBits(vaBits)) - (1UL << X86PteBits.PageShift);

    /// <summary>Kernel: __VIRTUAL_MASK_SHIFT (47, or 56 with LA57).</summary>
    public static int UserVaBits(int vaBits) => vaBits - 1;
}
