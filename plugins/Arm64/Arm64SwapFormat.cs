using Pluggable.Core.Arch;

namespace Pluggable.Arch.Arm64;

/// <summary>
/// The non-present arm64 entry (v6.10+): exclusive in bit 2, swap uffd-wp in bit 3, type in bits 6..10
/// and offset in bits 12..61. Bits 0..1 (valid, table) and 11 (present-invalid) stay clear so the
/// word is neither valid nor present.
/// </summary>
/// Kernel: arch/arm64/include/asm/pgtable.h (__SWP_TYPE_SHIFT, __SWP_OFFSET_SHIFT, PTE_SWP_EXCLUSIVE, PTE_SWP_UFFD_WP).
internal static class Arm64SwapFormat
{
    private const int TypeShift = 6;
    private const int TypeBits = 5;
    private const int OffsetShift = 12;
    private const int OffsetBits = 50;

    public const byte MaxType = (1 << TypeBits) - 1;
    public const ulong MaxOffset = (1UL << OffsetBits) - 1;

    private const ulong SwpExclusive = 1UL << 2;
    private const ulong SwpUffdWp = 1UL << 3;

    /// <summary>Every bit the format gives meaning to; a non-present word with none of them is empty.</summary>
    public const ulong Bits = SwpExclusive | SwpUffdWp | ((ulong)MaxType << TypeShift) | (MaxOffset << OffsetShift);

    /// <summary>Kernel: __swp_entry() then __swp_entry_to_pte(), plus pte_swp_mk{exclusive,uffd_wp}().</summary>
    public static ulong Encode(in PageEntry entry)
    {
        if (entry.SwapType > MaxType)
            throw new ArgumentOutOfRangeException(nameof(entry), $"arm64 swap type {entry.SwapType} exceeds {MaxType}");
        if (entry.Frame > MaxOffset)
            throw new ArgumentOutOfRangeException(nameof(entry), $"arm64 swap offset 0x{entry.Frame:x} exceeds 0x{MaxOffset:x}");

        ulong raw = ((ulong)entry.SwapType << TypeShift) | (entry.Frame << OffsetShift);
        if (entry.Has(EntryFlags.UffdWp)) raw |= SwpUffdWp;
        if (entry.Has(EntryFlags.SwapExclusive)) raw |= SwpExclusive;
        return raw;
    }

    /// <summary>Kernel: __pte_to_swp_entry(), __swp_type(), __swp_offset(), pte_swp_{uffd_wp,exclusive}().</summary>
    public static PageEntry Decode(ulong raw)
    {
        var flags = EntryFlags.None;
        if ((raw & SwpUffdWp) != 0) flags |= EntryFlags.UffdWp;
        if ((raw & SwpExclusive) != 0) flags |= EntryFlags.SwapExclusive;
        return PageEntry.SwapEntry((byte)((raw >> TypeShift) & MaxType), (raw >> OffsetShift) & MaxOffset, flags);
    }

    /// <summary>Text for <c>dump</c>, such as "swp type=31 off=0x1 uffd-wp".</summary>
    public static string Describe(ulong raw)
    {
        var entry = Decode(raw);
        var text = $"swp type={entry.SwapType} off=0x{entry.Frame:x}";
        if (entry.Has(EntryFlags.UffdWp)) text += " uffd-wp";
        if (entry.Has(EntryFlags.SwapExclusive)) text += " exclusive";
        return text;
    }
}
