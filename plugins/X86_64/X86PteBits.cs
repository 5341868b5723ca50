namespace Pluggable.Arch.X86_64;

/// <summary>
/// Bit positions of an x86_64 page-table word, as the hardware and Linux (v6.6+) define them.
/// </summary>
/// Kernel: arch/x86/include/asm/pgtable_types.h (_PAGE_BIT_*).
internal static class X86PteBits
{
    public const int PageShift = 12;

    public const ulong Present = 1UL << 0;
    public const ulong Rw = 1UL << 1;
    public const ulong User = 1UL << 2;
    public const ulong Pwt = 1UL << 3;
    public const ulong Accessed = 1UL << 5;
    public const ulong Dirty = 1UL << 6;

    /// <summary>Leaf marker at pmd/pud level; the same bit is the PAT index bit in a 4K pte.</summary>
    public const ulong Pse = 1UL << 7;

    public const ulong Global = 1UL << 8;

    /// <summary>Shares bit 8 with Global; means PROT_NONE only while Present is clear.</summary>
    public const ulong ProtNone = Global;

    public const ulong Special = 1UL << 9;
    public const ulong UffdWp = 1UL << 10;
    public const ulong SoftDirty = 1UL << 11;

    public const ulong Devmap = 1UL << 57;

    /// <summary>Holds Dirty for read-only entries, since Write=0 with Dirty=1 means shadow stack (v6.6+).</summary>
    public const ulong SavedDirty = 1UL << 58;

    /// <summary>
    /// The protection key field, bits 59..62. The only key the core gives a mapping is the one
    /// execute_only_pkey() allocates first in an mm, key 1 (key 0 is the default).
    /// </summary>
    /// Kernel: _PAGE_PKEY_BIT0.._PAGE_PKEY_BIT3, mm_pkey_alloc().
    public const ulong PkeyMask = 0xfUL << 59, ExecOnlyPkey = 1UL << 59;

    public const ulong Nx = 1UL << 63;

    /// <summary>Physical address bits 12..51 (__PHYSICAL_MASK_SHIFT is 52).</summary>
    /// Kernel: PTE_PFN_MASK.
    public const ulong PfnMask = ((1UL << 52) - 1) & ~((1UL << PageShift) - 1);

    /// <summary>What a table pointer always carries besides the frame.</summary>
    /// Kernel: _PAGE_TABLE.
    public const ulong Table = Present | Rw | User | Accessed | Dirty;

    /// <summary>Bits a CPU erratum may set in an otherwise empty entry; pte_none ignores them.</summary>
    /// Kernel: _PAGE_KNL_ERRATUM_MASK.
    public const ulong ErratumMask = Dirty | Accessed;

    /// <summary>The frame field of a PSE leaf mapping 2^<paramref name="leafShift"/> bytes.</summary>
    /// Kernel: pmd_pfn_mask() / pud_pfn_mask() (PHYSICAL_PMD_PAGE_MASK, PHYSICAL_PUD_PAGE_MASK).
    public static ulong LeafPfnMask(int leafShift) => PfnMask & ~((1UL << leafShift) - 1);
}
