namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Bit positions of the 32-bit 8xx pte and pmd (pgd) words. The pte word is close to what the
/// software TLB reload copies into the MMU, so access rights are the PP field (NA/RO) and "user"
/// is the absence of the shared-kernel bit.
/// </summary>
/// Kernel: arch/powerpc/include/asm/nohash/32/pte-8xx.h (_PAGE_*, _PMD_*), asm/nohash/32/hugetlb-8xx.h.
internal static class Mpc8xxPteBits
{
    public const uint Present = 0x0001;
    public const uint NoCache = 0x0002;

    /// <summary>No ASID compare: set for kernel pages only, so pte_user() is its absence.</summary>
    public const uint Sh = 0x0004;

    /// <summary>Small Page Size: the entry belongs to a 16K, 512K or 8M page.</summary>
    public const uint Sps = 0x0008;

    public const uint Guarded = 0x0010;
    public const uint Accessed = 0x0020;
    public const uint Exec = 0x0040;
    public const uint Special = 0x0080;
    public const uint Dirty = 0x0100;

    /// <summary>The PP field: 00 read-write, NA (01) no user access (PAGE_NONE), RO (11) read-only.</summary>
    public const uint PpMask = 0x0600;
    public const uint Na = 0x0200;
    public const uint Ro = 0x0600;

    /// <summary>With SPS: a 512K (or 8M) page rather than a 16K one; copied to the L1 PS bit.</summary>
    public const uint Huge = 0x0800;

    /// <summary>The real page number: bits 12..31.</summary>
    public const uint RpnMask = 0xfffff000;

    public const uint PmdPresent = 0x0001;

    /// <summary>The L1 page size field: 8M marks a hugepd; 512K is defined but 6.1 never sets it in a pmd.</summary>
    public const uint PmdPageMask = 0x000c;
    public const uint PmdPage8M = 0x000c;

    /// <summary>APG 2: user tables get it from pmd_populate() and hugepd_populate().</summary>
    public const uint PmdUser = 0x0040;

    /// <summary>A hugepd's low twelve bits hold flags: the hardware wants the hugepte table 4K aligned.</summary>
    /// Kernel: HUGEPD_SHIFT_MASK 0xfff with CONFIG_PPC_8xx (asm/page.h).
    public const uint HugePdShiftMask = 0x0fff;

    /// <summary>Swap entries are shifted up three bits past PRESENT and the two cache bits.</summary>
    /// Kernel: __swp_entry_to_pte() / __pte_to_swp_entry() (asm/nohash/32/pgtable.h).
    public const int SwapShift = 3;
    public const int SwapTypeBits = 5;
}
