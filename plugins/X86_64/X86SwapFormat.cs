using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64;

/// <summary>
/// The non-present x86_64 entry: type in bits 59..63, offset bit-inverted in bits 9..58, and the swap
/// soft-dirty, uffd-wp and exclusive flags in bits 1..3 (the RW/USER/PWT positions, unused when not present).
/// Inverting the offset keeps small offsets from leaving the high bits clear, which the L1TF mitigation
/// needs; it also makes every encodable entry non-zero, so a swap entry never reads back as none.
/// </summary>
/// Kernel: arch/x86/include/asm/pgtable_64.h (__swp_entry, __swp_type, __swp_offset, _PAGE_SWP_*).
internal static class X86SwapFormat
{
    private const int TypeBits = 5;
    private const int OffsetFirstBit = 9;
    private const int OffsetBits = 64 - TypeBits - OffsetFirstBit;
    private const int OffsetShift = OffsetFirstBit + TypeBits;

    public const byte MaxType = (1 << TypeBits) - 1;

    /// <summary>
    /// The all-ones offset is left out: with type 0 and no flags it would encode as an empty word.
    /// </summary>
    public const ulong MaxOffset = (1UL << OffsetBits) - 2;

    /// <summary>Kernel: _PAGE_SWP_SOFT_DIRTY (= _PAGE_RW).</summary>
    private const ulong SwpSoftDirty = X86PteBits.Rw;

    /// <summary>Kernel: _PAGE_SWP_UFFD_WP (= _PAGE_USER).</summary>
    private const ulong SwpUffdWp = X86PteBits.User;

    /// <summary>Kernel: _PAGE_SWP_EXCLUSIVE (= _PAGE_PWT).</summary>
    private const ulong SwpExclusive = X86PteBits.Pwt;

    /// <summary>Kernel: __swp_entry() then __swp_entry_to_pte(), plus pte_swp_mk{soft_dirty,uffd_wp,exclusive}().</summary>
    public static ulong Encode(in PageEntry entry)
    {
        if (entry.SwapType > MaxType)
            throw new ArgumentOutOfRangeException(nameof(entry), $"x86_64 swap type {entry.SwapType} exceeds {MaxType}");
        if (entry.Frame > MaxOffset)
            throw new ArgumentOutOfRangeException(nameof(entry), $"x86_64 swap offset 0x{entry.Frame:x} exceeds 0x{MaxOffset:x}");

        ulong raw = (~entry.Frame << OffsetShift >> TypeBits) | ((ulong)entry.SwapType << (64 - TypeBits));
        if (entry.Has(EntryFlags.SoftDirty)) raw |= SwpSoftDirty;
        if (entry.Has(EntryFlags.UffdWp)) raw |= SwpUffdWp;
        if (entry.Has(EntryFlags.SwapExclusive)) raw |= SwpExclusive;
        return raw;
    }

    /// <summary>Kernel: __pte_to_swp_entry(), __swp_type(), __swp_offset(), pte_swp_{soft_dirty,uffd_wp,exclusive}().</summary>
    public static PageEntry Decode(ulong raw)
    {
        var flags = EntryFlags.None;
        if ((raw & SwpSoftDirty) != 0) flags |= EntryFlags.SoftDirty;
        if ((raw & SwpUffdWp) != 0) flags |= EntryFlags.UffdWp;
        if ((raw & SwpExclusive) != 0) flags |= EntryFlags.SwapExclusive;
        ulong offset = ~raw << TypeBits >> OffsetShift;
        return PageEntry.SwapEntry((byte)(raw >> (64 - TypeBits)), offset, flags);
    }

    /// <summary>Text for <c>dump</c>, such as "swp type=31 off=0x1 uffd-wp".</summary>
    public static string Describe(ulong raw)
    {
        var entry = Decode(raw);
        var text = $"swp type={entry.SwapType} off=0x{entry.Frame:x}";
        if (entry.Has(EntryFlags.SoftDirty)) text += " soft-dirty";
        if (entry.Has(EntryFlags.UffdWp)) text += " uffd-wp";
        if (entry.Has(EntryFlags.SwapExclusive)) text += " exclusive";
        return text;
    }
}
