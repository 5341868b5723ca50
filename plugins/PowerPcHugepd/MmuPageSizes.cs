namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The MMU page size indices a Book3S-64 hugepd stores (shifted left by 2) instead of the page shift
/// itself, because the field has room for only four bits.
/// </summary>
/// Kernel: MMU_PAGE_4K ... MMU_PAGE_64G (arch/powerpc/include/asm/mmu.h), mmu_psize_to_shift() / shift_to_mmu_psize().
internal static class MmuPageSizes
{
    /// <summary>Shift per index; MMU_PAGE_64K_AP (3) shares the 64K shift.</summary>
    private static readonly int[] Shifts = [12, 14, 16, 16, 18, 19, 20, 21, 22, 23, 24, 26, 28, 30, 34, 36];

    public static int ToShift(int psize) => psize >= 0 && psize < Shifts.Length ? Shifts[psize] : 0;

    /// <summary>The first index with <paramref name="shift"/>, or -1.</summary>
    public static int FromShift(int shift) => Array.IndexOf(Shifts, shift);
}
