namespace Pluggable.Arch.RiscV;

/// <summary>
/// The rv64 page-table word as Linux 6.18 uses it. Present: bit 0 V (_PAGE_PRESENT), 1 R, 2 W, 3 X,
/// 4 U, 5 G, 6 A, 7 D, 8 _PAGE_SPECIAL (RSW; bit 9 is free since _PAGE_DEVMAP went in 6.17), PFN
/// 10..53, PBMT 61..62 (ignored), 63 N (Svnapot). A word with V set and R=W=X=0 points to a table.
/// PROT_NONE: V clear, bit 5 set (_PAGE_PROT_NONE = _PAGE_GLOBAL). Swap (V and bit 5 clear): bit 6
/// exclusive (_PAGE_SWP_EXCLUSIVE = _PAGE_ACCESSED), type 7..11, offset 12..63. No soft-dirty or
/// uffd-wp bits: those (Svrsw60t59b bits 59/60, swap bits 3/4) arrive only in 6.19.
/// </summary>
/// Kernel: arch/riscv/include/asm/pgtable-bits.h (_PAGE_*), pgtable-64.h (_PAGE_PFN_MASK, _PAGE_NAPOT, NAPOT_CONT64KB_ORDER), pgtable.h (__SWP_*).
internal static class RiscVPteBits
{
    public const ulong Valid = 1UL << 0, Read = 1UL << 1, Write = 1UL << 2, Exec = 1UL << 3, User = 1UL << 4;
    public const ulong Global = 1UL << 5, ProtNone = Global, Accessed = 1UL << 6, Dirty = 1UL << 7, Special = 1UL << 8;
    public const ulong Leaf = Read | Write | Exec;
    public const int PfnShift = 10;
    public const ulong PfnMask = ((1UL << 54) - 1) & ~((1UL << PfnShift) - 1);
    public const ulong Napot = 1UL << 63;

    /// <summary>Kernel: NAPOT_CONT64KB_ORDER, the only Svnapot order Linux uses (16 ptes, 64K).</summary>
    public const int NapotOrder = 4;

    public const ulong SwpExclusive = Accessed;
    public const int SwpExclusiveBit = 6;
    public const int SwpTypeShift = 7, SwpOffsetShift = 12;
    public const byte SwpMaxType = 31;
}
