namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Bit positions of the Linux PTE of Book3S-64, shared by the hash and radix MMUs (one kernel runs
/// either, so the software format is the same and only the hash-private bits differ).
/// </summary>
/// Kernel: arch/powerpc/include/asm/book3s/64/pgtable.h (_PAGE_*, _RPAGE_*, PTE_RPN_MASK),
/// asm/book3s/64/hash-4k.h (H_PAGE_BUSY, H_PAGE_HASHPTE, H_PAGE_F_*), asm/book3s/64/hash.h and radix.h (*_VAL_BITS).
internal static class Book3S64PteBits
{
    public const ulong Exec = 1UL << 0;
    public const ulong Write = 1UL << 1;
    public const ulong Read = 1UL << 2;
    public const ulong Rwx = Exec | Write | Read;

    /// <summary>Kernel-only access; a user page is one without it (pte_user()).</summary>
    public const ulong Privileged = 1UL << 3;

    public const ulong Sao = 1UL << 4;

    /// <summary>Cache-inhibited memory when present; the swap "exclusive" marker when not.</summary>
    /// Kernel: _PAGE_NON_IDEMPOTENT, _PAGE_SWP_EXCLUSIVE.
    public const ulong NonIdempotent = 1UL << 5;

    /// <summary>_RPAGE_RSV1: the hash fault path's lock bit (H_PAGE_BUSY).</summary>
    public const ulong HashBusy = 1UL << 6;

    public const ulong Dirty = 1UL << 7;
    public const ulong Accessed = 1UL << 8;

    /// <summary>_RPAGE_SW3; also _PAGE_SWP_SOFT_DIRTY in a swap entry.</summary>
    public const ulong SoftDirty = 1UL << 9;

    /// <summary>_RPAGE_SW2.</summary>
    public const ulong Special = 1UL << 10;

    /// <summary>_RPAGE_SW1.</summary>
    public const ulong Devmap = 1UL << 11;

    /// <summary>_RPAGE_RPN1, free below a 64K page number: H_PAGE_THP_HUGE marks a hash THP pmd (pmd_mkhuge()).</summary>
    /// Kernel: asm/book3s/64/hash-64k.h (H_PAGE_4K_PFN, H_PAGE_THP_HUGE).
    public const ulong HashThpHuge64K = 1UL << 13;

    /// <summary>_RPAGE_SW0: present, but transiently invalid for the MMU (pte_present() still true).</summary>
    /// Kernel: _PAGE_INVALID.
    public const ulong Invalid = 1UL << 61;

    /// <summary>Set in every leaf and swap entry, clear in table pointers and hugepds: pmd_is_leaf() tests it.</summary>
    public const ulong Pte = 1UL << 62;

    public const ulong Present = 1UL << 63;

    /// <summary>The Linux side keeps physical addresses below bit 53 so hash can use the bits above.</summary>
    /// Kernel: _PAGE_PA_MAX.
    public const int PaMax = 53;

    /// <summary>Kernel: PTE_RPN_MASK.</summary>
    public static ulong RpnMask(int pageShift) => ((1UL << PaMax) - 1) & ~((1UL << pageShift) - 1);

    /// <summary>Swap type in the low five bits, as __swp_type() reads it.</summary>
    /// Kernel: SWP_TYPE_BITS.
    public const int SwapTypeBits = 5;

    /// <summary>
    /// The low bits of a hugepd that hold the MMU page size index shifted left by 2; a table pointer
    /// has them clear, which is how hash__hugepd_ok() tells the two apart.
    /// </summary>
    /// Kernel: HUGEPD_SHIFT_MASK (asm/page.h), hugepd_populate() / hugepd_mmu_psize() (asm/book3s/64/hugetlb.h).
    public const ulong HugePdShiftMask = 0x3f;

    /// <summary>Kernel: HUGEPD_ADDR_MASK (real addresses, so the top nibble stays free for PRESENT and PTE).</summary>
    public const ulong HugePdAddrMask = 0x0fffffffffffffffUL & ~HugePdShiftMask;

    /// <summary>Radix table pointers carry the next level's index size (NLS) in their low five bits.</summary>
    /// Kernel: RADIX_PGD_VAL_BITS / RADIX_PUD_VAL_BITS / RADIX_PMD_VAL_BITS (asm/book3s/64/radix.h).
    public const ulong RadixNlsMask = 0x1f;
}
