using Pluggable.Core.Arch;
using static Pluggable.Arch.RiscV.RiscVPteBits;

namespace Pluggable.Arch.RiscV;

/// <summary>
/// The rv64 page-table word at every level (the format is the same at each; leaves above the pte
/// are aligned superpages). A Svnapot slot repeats the head's word, its PFN's low four bits 0b1000.
/// </summary>
/// Kernel: arch/riscv/include/asm/pgtable.h (pfn_pte/pte_pfn, pte_mk*, pte_present, pte_protnone, pte_mknapot, __swp_entry).
public sealed class RiscVEntryCodec(PageGeometry geometry) : IEntryCodec
{
    public const ulong MaxFrame = PfnMask >> PfnShift;

    private static readonly (EntryFlags Flag, ulong Bit)[] PageBits =
    [
        (EntryFlags.Write, Write), (EntryFlags.Exec, Exec), (EntryFlags.User, User),
        (EntryFlags.Young, Accessed), (EntryFlags.Dirty, Dirty), (EntryFlags.Special, Special),
    ];

    /// <summary>The names <see cref="Describe"/> prints, from the same constants the codec uses.</summary>
    private static readonly (ulong Bit, string Name)[] BitNames =
    [
        (Valid, "V"), (Read, "R"), (Write, "W"), (Exec, "X"), (User, "U"), (Global, "G"), (Accessed, "A"), (Dirty, "D"), (Special, "SPECIAL"), (1UL << 9, "RSW9"),
    ];

    public ulong Encode(PageLevel level, in PageEntry entry) => entry.Kind switch
    {
        EntryKind.None => 0,
        EntryKind.Table when level != PageLevel.Pte => Pfn(entry.Frame, level, 1) | Valid,
        EntryKind.Page => EncodePage(level, entry),
        EntryKind.Swap => EncodeSwap(entry),
        _ => throw new ArgumentException($"riscv64 has no {entry.Kind} entry at {level.KernelName()}", nameof(entry)),
    };

    /// <summary>Kernel: pte_present() is V or _PAGE_PROT_NONE; pmd_leaf()/pud_leaf() need one of R/W/X; a
    /// non-present word with no swap bit set (only bits 1..4) is treated as none.</summary>
    public PageEntry Decode(PageLevel level, ulong raw) =>
        (raw & (Valid | ProtNone)) == 0 ? (raw >> SwpExclusiveBit == 0 ? PageEntry.Empty : DecodeSwap(raw))
        : (raw & (Valid | Leaf)) == Valid && level != PageLevel.Pte ? PageEntry.Table((raw & PfnMask) >> PfnShift)
        : DecodePage(level, raw);

    public string Describe(PageLevel level, ulong raw)
    {
        if (raw == 0)
            return "";
        if ((raw & (Valid | ProtNone)) == 0)
        {
            var swp = DecodeSwap(raw);
            return $"swp type={swp.SwapType} off=0x{swp.Frame:x}{(swp.Has(EntryFlags.SwapExclusive) ? " exclusive" : "")}";
        }
        var names = BitNames.Where(b => (raw & b.Bit) != 0).Select(b => b.Bit == ProtNone && (raw & Valid) == 0 ? "PROT_NONE" : b.Name).ToList();
        if ((raw >> 61 & 3) != 0) names.Add($"PBMT{raw >> 61 & 3}");
        if ((raw & Napot) != 0) names.Add("N");
        return string.Join(" ", names);
    }

    /// <summary>
    /// R is set but on exec-only entries (PAGE_EXEC); W without R is reserved, and the core never asks
    /// for it. PROT_NONE clears V and sets _PAGE_PROT_NONE (with R), so the hardware faults.
    /// </summary>
    /// Kernel: pfn_pte()/pfn_pmd()/pfn_pud() with PAGE_* (_PAGE_BASE = V|A|U), PAGE_NONE, pte_mknapot().
    private ulong EncodePage(PageLevel level, in PageEntry e)
    {
        bool napot = level == PageLevel.Pte && e.Has(EntryFlags.Cont);
        ulong raw = Pfn(e.Frame, level, napot ? 1UL << NapotOrder : SpanPages(level)) | (e.Has(EntryFlags.ExecOnly) ? 0 : Read);
        if (napot) raw |= Napot | 1UL << (PfnShift + NapotOrder - 1);
        raw |= e.Has(EntryFlags.ProtNone) ? ProtNone : Valid | (e.Has(EntryFlags.Global) ? Global : 0);
        foreach (var (flag, bit) in PageBits)
            if (e.Has(flag)) raw |= bit;
        return raw;
    }

    /// <summary>A napot slot reports the head frame and the 64K shift: every slot repeats the head's word.</summary>
    /// Kernel: pte_pfn() (napot: clear the lowest set PFN bit), napot_cont_order(), pte_huge(), pte_protnone().
    private PageEntry DecodePage(PageLevel level, ulong raw)
    {
        var flags = (raw & Valid) == 0 ? EntryFlags.ProtNone : (raw & Global) != 0 ? EntryFlags.Global : EntryFlags.None;
        if ((raw & Read) == 0) flags |= EntryFlags.ExecOnly;
        foreach (var (flag, bit) in PageBits)
            if ((raw & bit) != 0) flags |= flag;
        ulong pfn = (raw & PfnMask) >> PfnShift;
        if (level != PageLevel.Pte)
            return PageEntry.Page(pfn & ~(SpanPages(level) - 1), flags | EntryFlags.Huge);
        if ((raw & Napot) == 0)
            return PageEntry.Page(pfn, flags);
        return new PageEntry(EntryKind.Page, pfn & ~((1UL << NapotOrder) - 1), flags | EntryFlags.Huge | EntryFlags.Cont,
            Shift: (byte)(geometry.PageShift + NapotOrder));
    }

    /// <summary>Kernel: __swp_entry() (type bits 7..11, offset from bit 12), pte_swp_mkexclusive().</summary>
    private static ulong EncodeSwap(in PageEntry e)
    {
        if (e.SwapType > SwpMaxType || e.Frame > ulong.MaxValue >> SwpOffsetShift)
            throw new ArgumentOutOfRangeException(nameof(e), $"riscv64 swap type {e.SwapType} / offset 0x{e.Frame:x} out of range");
        return (ulong)e.SwapType << SwpTypeShift | e.Frame << SwpOffsetShift | (e.Has(EntryFlags.SwapExclusive) ? SwpExclusive : 0);
    }

    /// <summary>Kernel: __swp_type(), __swp_offset(), pte_swp_exclusive().</summary>
    private static PageEntry DecodeSwap(ulong raw) => PageEntry.SwapEntry((byte)(raw >> SwpTypeShift & SwpMaxType),
        raw >> SwpOffsetShift, (raw & SwpExclusive) != 0 ? EntryFlags.SwapExclusive : EntryFlags.None);

    private ulong SpanPages(PageLevel level) => 1UL << (geometry[level].Shift - geometry.PageShift);

    /// <summary>The kernel would mask a misaligned or oversized frame silently; here it is the caller's bug.</summary>
    private static ulong Pfn(ulong frame, PageLevel level, ulong alignPages) =>
        frame <= MaxFrame && (frame & (alignPages - 1)) == 0 ? frame << PfnShift
        : throw new ArgumentOutOfRangeException(nameof(frame), $"frame 0x{frame:x} does not fit a riscv64 {level.KernelName()} entry");
}
