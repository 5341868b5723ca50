using Pluggable.Core.Arch;
using static Pluggable.Arch.PowerPc.Book3S64PteBits;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// The Book3S-64 Linux page-table word (stored big-endian; the geometry tells the core). Leaves and
/// swap entries carry _PAGE_PTE; table pointers and hugepds do not, which is how a pmd or pud is told
/// to be a leaf. A hugepd differs from a table pointer by its non-zero page size field (hash only:
/// radix pointers use the same low bits for the next level's size and have no hugepds).
/// There is no hardware "user" bit: user pages are those without _PAGE_PRIVILEGED, and PROT_NONE is
/// a present pte with read, write and execute all clear.
/// </summary>
/// Kernel: arch/powerpc/include/asm/book3s/64/pgtable.h (pfn_pte, pte_pfn, pte_present, pte_protnone,
/// pte_user, pmd_is_leaf), asm/book3s/64/pgalloc.h (pgd/pud/pmd_populate), asm/book3s/64/hugetlb.h
/// (hugepd_populate, hugepd_page, hugepd_mmu_psize), asm/book3s/64/hash-4k.h (hash__hugepd_ok).
public sealed class Book3S64EntryCodec : IEntryCodec
{
    private readonly PageGeometry _geometry;
    private readonly PowerPcMmu _mmu;
    private readonly Book3S64SwapFormat _swap;

    internal Book3S64EntryCodec(PowerPcMmu mmu, PageGeometry geometry)
    {
        _mmu = mmu;
        _geometry = geometry;
        _swap = new Book3S64SwapFormat(geometry.PageShift);
    }

    private int PageShift => _geometry.PageShift;

    public ulong Encode(PageLevel level, in PageEntry entry) => entry.Kind switch
    {
        EntryKind.None => 0,
        EntryKind.Table => EncodeTable(level, entry.Frame),
        EntryKind.Page => EncodePage(level, entry),
        EntryKind.HugePd => EncodeHugePd(level, entry),
        EntryKind.Swap => _swap.Encode(entry),
        _ => throw new ArgumentException($"powerpc has no {entry.Kind} entries", nameof(entry)),
    };

    public PageEntry Decode(PageLevel level, ulong raw)
    {
        if (raw == 0)
            return PageEntry.Empty;
        if ((raw & Pte) != 0)
            return (raw & (Present | Invalid)) != 0 ? DecodePage(level, raw) : _swap.Decode(raw);
        // A word without _PAGE_PTE is a pointer only above the pte level and only while present;
        // anything else is what generic code would take for a swap entry (!pte_present, !pte_none).
        if (level == PageLevel.Pte || (raw & Present) == 0)
            return _swap.Decode(raw);
        if (_mmu == PowerPcMmu.Hash && (raw & HugePdShiftMask) != 0)
        {
            int shift = MmuPageSizes.ToShift((int)((raw & HugePdShiftMask) >> 2));
            if (shift > PageShift)
                return PageEntry.HugePd((raw & HugePdAddrMask & RpnMask(PageShift)) >> PageShift, shift);
        }

        return PageEntry.Table((raw & RpnMask(PageShift)) >> PageShift);
    }

    public string Describe(PageLevel level, ulong raw)
    {
        if (raw == 0)
            return "";
        var entry = Decode(level, raw);
        return entry.Kind switch
        {
            EntryKind.Swap => _swap.Describe(raw),
            EntryKind.Table or EntryKind.HugePd => Book3S64BitNames.DescribePointer(_mmu, raw, entry),
            _ => Book3S64BitNames.Describe(_mmu, PageShift, raw),
        };
    }

    /// <summary>
    /// Hash pointers are the real address plus PRESENT; radix adds the child's index size (NLS)
    /// because the radix hardware walks these tables itself.
    /// </summary>
    /// Kernel: pgd_populate()/pud_populate()/pmd_populate() with H_/RADIX_*_VAL_BITS.
    private ulong EncodeTable(PageLevel level, ulong frame)
    {
        if (level == PageLevel.Pte)
            throw new ArgumentException("a powerpc pte maps a page; it never points to a table", nameof(level));
        ulong raw = Present | FrameBits(frame, RpnMask(PageShift), level, "table");
        if (_mmu == PowerPcMmu.Radix)
            raw |= (ulong)ChildIndexSize(level) & RadixNlsMask;
        return raw;
    }

    private int ChildIndexSize(PageLevel level)
    {
        var child = _geometry.ChildOf(level) ?? throw new ArgumentException($"{level.KernelName()} has no child level", nameof(level));
        return System.Numerics.BitOperations.Log2((uint)child.Entries);
    }

    /// <summary>Kernel: hugepd_populate(): real address | HUGEPD_VAL_BITS | (mmu psize &lt;&lt; 2).</summary>
    private ulong EncodeHugePd(PageLevel level, in PageEntry entry)
    {
        if (_mmu != PowerPcMmu.Hash)
            throw new ArgumentException("radix maps huge pages as pmd/pud leaves; it has no hugepd", nameof(entry));
        if (level == PageLevel.Pte)
            throw new ArgumentException("a hugepd lives in a directory slot, not in a pte", nameof(level));
        int psize = MmuPageSizes.FromShift(entry.Shift);
        if (psize <= 0 || entry.Shift <= PageShift)
            throw new ArgumentException($"shift {entry.Shift} has no hugepd page size index", nameof(entry));
        return Present | FrameBits(entry.Frame, HugePdAddrMask & RpnMask(PageShift), level, "hugepd") | ((ulong)psize << 2);
    }

    /// <summary>
    /// Kernel: pfn_pte() (always _PAGE_PTE), the protection_map entries (_PAGE_BASE = PRESENT|ACCESSED,
    /// READ for every accessible page but radix's PAGE_EXECONLY, PRIVILEGED for PAGE_NONE), pte_mkwrite/mkdirty/mkyoung/mkspecial/
    /// mkdevmap/mksoft_dirty; a hash 64K pmd leaf also gets H_PAGE_THP_HUGE from pmd_mkhuge().
    /// </summary>
    private ulong EncodePage(PageLevel level, in PageEntry e)
    {
        if (level is PageLevel.Pgd or PageLevel.P4d)
            throw new ArgumentException($"this model places no powerpc leaf at {level.KernelName()} level", nameof(level));
        ulong raw = Present | Pte | FrameBits(e.Frame, RpnMask(_geometry[level].Shift), level, "page");
        if (!e.Has(EntryFlags.ProtNone))
        {
            if (!e.Has(EntryFlags.ExecOnly)) raw |= Read;
            if (e.Has(EntryFlags.Write)) raw |= Write;
            if (e.Has(EntryFlags.Exec)) raw |= Exec;
        }

        if (!e.Has(EntryFlags.User)) raw |= Privileged;
        if (e.Has(EntryFlags.Dirty)) raw |= Dirty;
        if (e.Has(EntryFlags.Young)) raw |= Accessed;
        if (e.Has(EntryFlags.Special)) raw |= Special;
        if (e.Has(EntryFlags.SoftDirty)) raw |= SoftDirty;
        if (e.Has(EntryFlags.Devmap)) raw |= Devmap;
        if (level == PageLevel.Pmd && _mmu == PowerPcMmu.Hash && PageShift == 16) raw |= HashThpHuge64K;
        return raw;
    }

    /// <summary>Kernel: pte_pfn(), pte_protnone(), pte_user(), pte_write/exec/dirty/young/special/soft_dirty/devmap().</summary>
    private PageEntry DecodePage(PageLevel level, ulong raw)
    {
        var flags = EntryFlags.None;
        if ((raw & Rwx) == 0)
            flags |= EntryFlags.ProtNone;
        else if ((raw & Read) == 0)
            flags |= EntryFlags.ExecOnly;
        if ((raw & Write) != 0) flags |= EntryFlags.Write;
        if ((raw & Exec) != 0) flags |= EntryFlags.Exec;
        if ((raw & Privileged) == 0) flags |= EntryFlags.User;
        if ((raw & Dirty) != 0) flags |= EntryFlags.Dirty;
        if ((raw & Accessed) != 0) flags |= EntryFlags.Young;
        if ((raw & Special) != 0) flags |= EntryFlags.Special;
        if ((raw & SoftDirty) != 0) flags |= EntryFlags.SoftDirty;
        if ((raw & Devmap) != 0) flags |= EntryFlags.Devmap;
        int shift = level is PageLevel.Pte ? PageShift : _geometry[level].Shift;
        if (level != PageLevel.Pte) flags |= EntryFlags.Huge;
        return PageEntry.Page((raw & RpnMask(shift)) >> PageShift, flags);
    }

    /// <summary>
    /// The kernel would mask a misaligned or too large frame silently; here it is the caller's bug.
    /// The message is built only then: encoding runs on every fault.
    /// </summary>
    private ulong FrameBits(ulong frame, ulong mask, PageLevel level, string what)
    {
        ulong phys = frame << PageShift;
        if (frame > (RpnMask(PageShift) >> PageShift) || (phys & ~mask) != 0)
            throw new ArgumentOutOfRangeException("entry",
                $"frame 0x{frame:x} does not fit a powerpc {level.KernelName()} {what} (mask 0x{mask:x})");
        return phys;
    }
}
