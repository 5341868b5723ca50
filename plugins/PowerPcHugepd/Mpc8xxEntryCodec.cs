using Pluggable.Core.Arch;
using static Pluggable.Arch.PowerPc.Mpc8xxPteBits;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The 8xx table words: 32 bits, big-endian. A pgd slot holds a pte table pointer or, with the 8M
/// page size in its L1 size field, a hugepd; ptes carry the PP access field and, for the slots of a
/// huge page, SPS (plus HUGE for 512K and 8M). With 16K base pages every pte has SPS (_PAGE_PSIZE
/// in _PAGE_BASE) and only HUGE marks a huge page's slot. Which huge page a slot belongs to is not
/// in the word beyond that, so a decoded slot reports Huge|Cont without a size, as one base page of
/// its page.
/// Swap entries are the type and offset shifted past the three low bits; 6.1 has no swap-exclusive
/// bit here, and type 0 with offset 0 would be the empty word (the kernel never stores it).
/// </summary>
/// Kernel: arch/powerpc/include/asm/nohash/32/pte-8xx.h (pte_write, pte_read, pte_user, PAGE_NONE),
/// asm/nohash/32/pgalloc.h (pmd_populate), asm/nohash/32/hugetlb-8xx.h (hugepd_populate, arch_make_huge_pte),
/// asm/nohash/32/pgtable.h (__swp_type, __swp_offset, __swp_entry_to_pte).
public sealed class Mpc8xxEntryCodec(int pageShift = 12) : IEntryCodec
{
    /// <summary>The real page number: the bits above the page offset (PTE_RPN_SHIFT is PAGE_SHIFT).</summary>
    private readonly uint _rpnMask = RpnMask & ~((1u << pageShift) - 1);

    /// <summary>What marks a pte as one slot of a huge page: SPS with 4K pages, HUGE with 16K (whose every pte has SPS).</summary>
    private readonly uint _hugeSlot = pageShift == 12 ? Sps : Huge;

    private const uint MaxType = (1u << SwapTypeBits) - 1;

    /// <summary>24 bits of offset are left above the type in the 32-bit word.</summary>
    public const ulong MaxSwapOffset = (1UL << (32 - SwapShift - SwapTypeBits)) - 1;

    public ulong Encode(PageLevel level, in PageEntry entry) => (level, entry.Kind) switch
    {
        (_, EntryKind.None) => 0,
        (PageLevel.Pgd, EntryKind.Table) => Phys(entry.Frame, "table") | PmdUser | PmdPresent,
        (PageLevel.Pgd, EntryKind.HugePd) when entry.Shift == Mpc8xxHugePages.Shift8M =>
            Phys(entry.Frame, "hugepd") | PmdUser | PmdPresent | PmdPage8M,
        (PageLevel.Pte, EntryKind.Page) => EncodePage(entry),
        (PageLevel.Pte, EntryKind.Swap) => EncodeSwap(entry),
        _ => throw new ArgumentException($"the 8xx has no {entry.Kind} entry (shift {entry.Shift}) at {level.KernelName()}", nameof(entry)),
    };

    public PageEntry Decode(PageLevel level, ulong raw)
    {
        uint w = (uint)raw;
        if (w == 0)
            return PageEntry.Empty;
        if (level != PageLevel.Pte)
        {
            if ((w & PmdPresent) == 0)
                return PageEntry.Empty;
            ulong frame = (w & ~HugePdShiftMask) >> pageShift;
            return (w & PmdPageMask) == PmdPage8M ? PageEntry.HugePd(frame, Mpc8xxHugePages.Shift8M) : PageEntry.Table(frame);
        }

        if ((w & Present) == 0)
        {
            uint v = w >> SwapShift;
            return PageEntry.SwapEntry((byte)(v & MaxType), v >> SwapTypeBits, EntryFlags.None);
        }

        var flags = EntryFlags.None;
        if ((w & Sh) == 0) flags |= EntryFlags.User;
        switch (w & PpMask)
        {
            case 0: flags |= EntryFlags.Write; break;
            case Na: flags |= EntryFlags.ProtNone; break;
        }

        if ((w & Exec) != 0) flags |= EntryFlags.Exec;
        if ((w & Dirty) != 0) flags |= EntryFlags.Dirty;
        if ((w & Accessed) != 0) flags |= EntryFlags.Young;
        if ((w & Special) != 0) flags |= EntryFlags.Special;
        if ((w & _hugeSlot) != 0) flags |= EntryFlags.Huge | EntryFlags.Cont;
        return PageEntry.Page((w & _rpnMask) >> pageShift, flags);
    }

    public string Describe(PageLevel level, ulong raw)
    {
        uint w = (uint)raw;
        if (w == 0)
            return "";
        var entry = Decode(level, raw);
        return entry.Kind switch
        {
            EntryKind.Swap => $"swp type={entry.SwapType} off=0x{entry.Frame:x}",
            EntryKind.HugePd => "PRESENT USER PAGE_8M",
            EntryKind.Table => "PRESENT USER",
            _ when level != PageLevel.Pte => "",
            _ => Mpc8xxBitNames.Describe(w),
        };
    }

    /// <summary>
    /// Kernel: pfn_pte() with the protection_map values (_PAGE_BASE = PRESENT|ACCESSED, with SPS as
    /// _PAGE_PSIZE for 16K pages, RO for read-only, NA for PAGE_NONE, SH for kernel pages),
    /// pte_mkwrite/mkdirty/mkyoung/mkspecial, and arch_make_huge_pte(): SPS for 16K, SPS|HUGE for 512K and 8M.
    /// </summary>
    private ulong EncodePage(in PageEntry e)
    {
        uint w = Phys(e.Frame, "page") | Present;
        if (pageShift != 12) w |= Sps;
        if (!e.Has(EntryFlags.User)) w |= Sh;
        if (e.Has(EntryFlags.ProtNone)) w |= Na;
        else if (!e.Has(EntryFlags.Write)) w |= Ro;
        if (e.Has(EntryFlags.Exec)) w |= Exec;
        if (e.Has(EntryFlags.Dirty)) w |= Dirty;
        if (e.Has(EntryFlags.Young)) w |= Accessed;
        if (e.Has(EntryFlags.Special)) w |= Special;
        if (e.Has(EntryFlags.Huge) || e.Has(EntryFlags.Cont))
            w |= e.Shift == Mpc8xxHugePages.Shift16K ? Sps : Sps | Huge;
        return w;
    }

    /// <summary>Kernel: __swp_entry() then __swp_entry_to_pte().</summary>
    private static ulong EncodeSwap(in PageEntry e)
    {
        if (e.SwapType > MaxType)
            throw new ArgumentOutOfRangeException(nameof(e), $"8xx swap type {e.SwapType} exceeds {MaxType}");
        if (e.Frame > MaxSwapOffset)
            throw new ArgumentOutOfRangeException(nameof(e), $"8xx swap offset 0x{e.Frame:x} exceeds 0x{MaxSwapOffset:x}");
        if (e.SwapType == 0 && e.Frame == 0)
            throw new ArgumentException("8xx swap type 0 offset 0 is the empty pte", nameof(e));
        return ((e.Frame << SwapTypeBits) | e.SwapType) << SwapShift;
    }

    private uint Phys(ulong frame, string what)
    {
        if (frame > _rpnMask >> pageShift)
            throw new ArgumentOutOfRangeException("entry", $"frame 0x{frame:x} does not fit an 8xx {what} (32-bit real address)");
        return (uint)(frame << pageShift);
    }
}
