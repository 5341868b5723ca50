using Pluggable.Core.Arch;
using static Pluggable.Arch.PowerPc.Book3S64PteBits;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The non-present Book3S-64 entry: type in bits 0..4, offset in the real page number field, and
/// _PAGE_PTE kept set so a swap pmd is still told apart from a table pointer. Exclusive borrows the
/// non-idempotent cache bit and soft-dirty keeps its present position; there is no swap uffd-wp bit.
/// </summary>
/// Kernel: arch/powerpc/include/asm/book3s/64/pgtable.h (SWP_TYPE_BITS, __swp_entry, __swp_entry_to_pte,
/// _PAGE_SWP_SOFT_DIRTY, _PAGE_SWP_EXCLUSIVE).
internal sealed class Book3S64SwapFormat(int pageShift)
{
    public const byte MaxType = (1 << SwapTypeBits) - 1;
    private const ulong SwpExclusive = NonIdempotent;
    private const ulong SwpSoftDirty = SoftDirty;

    public ulong MaxOffset => RpnMask(pageShift) >> pageShift;

    /// <summary>Kernel: __swp_entry() then __swp_entry_to_pte(), plus pte_swp_mk{exclusive,soft_dirty}().</summary>
    public ulong Encode(in PageEntry entry)
    {
        if (entry.SwapType > MaxType)
            throw new ArgumentOutOfRangeException(nameof(entry), $"powerpc swap type {entry.SwapType} exceeds {MaxType}");
        if (entry.Frame > MaxOffset)
            throw new ArgumentOutOfRangeException(nameof(entry), $"powerpc swap offset 0x{entry.Frame:x} exceeds 0x{MaxOffset:x}");
        ulong raw = Pte | entry.SwapType | (entry.Frame << pageShift);
        if (entry.Has(EntryFlags.SwapExclusive)) raw |= SwpExclusive;
        if (entry.Has(EntryFlags.SoftDirty)) raw |= SwpSoftDirty;
        return raw;
    }

    /// <summary>Kernel: __pte_to_swp_entry() (drops _PAGE_PTE), __swp_type(), __swp_offset(), pte_swp_{exclusive,soft_dirty}().</summary>
    public PageEntry Decode(ulong raw)
    {
        var flags = EntryFlags.None;
        if ((raw & SwpExclusive) != 0) flags |= EntryFlags.SwapExclusive;
        if ((raw & SwpSoftDirty) != 0) flags |= EntryFlags.SoftDirty;
        return PageEntry.SwapEntry((byte)(raw & MaxType), (raw & RpnMask(pageShift)) >> pageShift, flags);
    }

    /// <summary>Text for <c>dump</c>, such as "swp type=3 off=0x10 exclusive".</summary>
    public string Describe(ulong raw)
    {
        var entry = Decode(raw);
        var text = $"swp type={entry.SwapType} off=0x{entry.Frame:x}";
        if (entry.Has(EntryFlags.SwapExclusive)) text += " exclusive";
        if (entry.Has(EntryFlags.SoftDirty)) text += " soft-dirty";
        return text;
    }
}
