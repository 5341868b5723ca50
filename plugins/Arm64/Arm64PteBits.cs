namespace Pluggable.Arch.Arm64;

/// <summary>
/// Bit positions of an arm64 stage-1 descriptor and the software bits Linux (v6.10+) keeps in it.
/// </summary>
/// Kernel: arch/arm64/include/asm/pgtable-hwdef.h (PTE_*, PMD_*), asm/pgtable-prot.h (PTE_WRITE, PTE_DIRTY, PTE_SPECIAL, PTE_UFFD_WP).
internal static class Arm64PteBits
{
    public const ulong Valid = 1UL << 0;

    /// <summary>Set in table pointers and level-3 page descriptors (0b11); clear in pmd/pud blocks (0b01).</summary>
    public const ulong TableBit = 1UL << 1;

    public const ulong User = 1UL << 6;
    public const ulong Rdonly = 1UL << 7;

    /// <summary>Inner shareable, as every normal-memory mapping the kernel builds.</summary>
    /// Kernel: PTE_SHARED.
    public const ulong Shared = 3UL << 8;

    public const ulong Af = 1UL << 10;
    public const ulong Ng = 1UL << 11;

    /// <summary>nG doubles as "present but invalid" while Valid is clear (v6.10+).</summary>
    /// Kernel: PTE_PRESENT_INVALID.
    public const ulong PresentInvalid = Ng;

    /// <summary>The software "writable" bit is the hardware Dirty Bit Management bit.</summary>
    /// Kernel: PTE_WRITE = PTE_DBM.
    public const ulong Write = 1UL << 51;

    public const ulong Cont = 1UL << 52;
    public const ulong Pxn = 1UL << 53;
    public const ulong Uxn = 1UL << 54;
    public const ulong Dirty = 1UL << 55;
    public const ulong Special = 1UL << 56;
    public const ulong Devmap = 1UL << 57;
    public const ulong UffdWp = 1UL << 58;

    /// <summary>Output address bits 12..47: a 48-bit physical address space.</summary>
    /// Kernel: PTE_ADDR_LOW without 52-bit PA.
    public const int PhysBits = 48;

    /// <summary>The output address field for pages of 2^<paramref name="shift"/> bytes.</summary>
    public static ulong AddressMask(int shift) => ((1UL << PhysBits) - 1) & ~((1UL << shift) - 1);
}
