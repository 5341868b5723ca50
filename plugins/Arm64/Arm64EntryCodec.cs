using Pluggable.Core.Arch;
using static Pluggable.Arch.Arm64.Arm64PteBits;

namespace Pluggable.Arch.Arm64;

/// <summary>
/// The arm64 page-table word for one granule. Pages live at pte level (type 0b11), blocks at pmd and
/// pud level (type 0b01); pgd and p4d entries only point to tables. Write and dirty follow the
/// kernel's DBM scheme: WRITE is the DBM bit, RDONLY is clear only when the page is writable and
/// dirty, and the software DIRTY bit keeps dirtiness across write protection.
/// </summary>
/// Kernel: arch/arm64/include/asm/pgtable.h (pfn_pte/pte_pfn, pte_mk*, pte_present, pte_protnone, the write/dirty state table).
public sealed class Arm64EntryCodec : IEntryCodec
{
    private readonly PageGeometry _geometry;

    /// <summary>
    /// The level that holds a pud block: the pud, or with a 3-level 4K walk (VA 39) the pgd the
    /// folded pud is, whose descriptors are the hardware's level-1 entries and may be 1G blocks.
    /// </summary>
    /// Kernel: pud_sect_supported(), huge_pte_alloc() returning the folded pud (arch/arm64/mm/hugetlbpage.c).
    private readonly PageLevel _pudHome;

    internal Arm64EntryCodec(PageGeometry geometry)
    {
        _geometry = geometry;
        _pudHome = geometry[PageLevel.Pud].Folded && geometry[PageLevel.P4d].Folded ? PageLevel.Pgd : PageLevel.Pud;
    }

    /// <summary>The largest frame the 48-bit output address holds.</summary>
    public ulong MaxFrame => AddressMask(_geometry.PageShift) >> _geometry.PageShift;

    public ulong Encode(PageLevel level, in PageEntry entry) => entry.Kind switch
    {
        EntryKind.None => 0,
        EntryKind.Table => EncodeTable(level, entry.Frame),
        EntryKind.Page => EncodePage(level, entry),
        EntryKind.Swap => Arm64SwapFormat.Encode(entry),
        _ => throw new ArgumentException($"arm64 has no {entry.Kind} entries", nameof(entry)),
    };

    public PageEntry Decode(PageLevel level, ulong raw)
    {
        if ((raw & Valid) != 0)
            return IsTable(level, raw) ? PageEntry.Table((raw & AddressMask(_geometry.PageShift)) >> _geometry.PageShift) : DecodePage(level, raw);
        if ((raw & PresentInvalid) != 0)
            return DecodePage(level, raw);
        return (raw & Arm64SwapFormat.Bits) == 0 ? PageEntry.Empty : Arm64SwapFormat.Decode(raw);
    }

    public string Describe(PageLevel level, ulong raw) =>
        raw == 0 ? ""
        : (raw & (Valid | PresentInvalid)) == 0 ? Arm64SwapFormat.Describe(raw)
        : Arm64BitNames.Describe(raw);

    /// <summary>Kernel: __pmd_populate()/__pud_populate()/__p4d_populate() (PMD_TYPE_TABLE).</summary>
    private ulong EncodeTable(PageLevel level, ulong frame)
    {
        if (level == PageLevel.Pte)
            throw new ArgumentException("an arm64 pte maps a page; it never points to a table", nameof(level));
        return FrameBits(frame, AddressMask(_geometry.PageShift), level, table: true) | Valid | TableBit;
    }

    /// <summary>
    /// Kernel: pfn_pte() with the user prot bits (PROT_DEFAULT, PTE_NG, PTE_PXN), pte_mkwrite/mkdirty's
    /// RDONLY rule, pte_mkhuge()'s block type, PAGE_NONE (present-invalid, not user, UXN) and
    /// PAGE_EXECONLY (valid, UXN clear, no PTE_USER: EL0 may run it but not load). An exec-only entry
    /// decodes as pte_user() false and pte_user_exec() true, as the kernel reads it.
    /// </summary>
    private ulong EncodePage(PageLevel level, in PageEntry e)
    {
        if (level is PageLevel.Pgd or PageLevel.P4d && level != _pudHome)
            throw new ArgumentException($"arm64 has no leaf entries at {level.KernelName()} level", nameof(level));
        ulong raw = FrameBits(e.Frame, LeafMask(level), level, table: false) | Shared | Pxn;
        if (level == PageLevel.Pte) raw |= TableBit;

        bool protNone = e.Has(EntryFlags.ProtNone);
        if (protNone)
            raw |= PresentInvalid | Uxn;
        else
        {
            raw |= Valid;
            if (!e.Has(EntryFlags.Global)) raw |= Ng;
            if (e.Has(EntryFlags.User) && !e.Has(EntryFlags.ExecOnly)) raw |= User;
            if (!e.Has(EntryFlags.Exec)) raw |= Uxn;
        }

        bool write = e.Has(EntryFlags.Write), dirty = e.Has(EntryFlags.Dirty);
        if (write) raw |= Write;
        if (dirty) raw |= Dirty;
        if (!(write && dirty) || protNone) raw |= Rdonly;
        if (e.Has(EntryFlags.Young)) raw |= Af;
        if (e.Has(EntryFlags.Cont)) raw |= Cont;
        if (e.Has(EntryFlags.Special)) raw |= Special;
        if (e.Has(EntryFlags.Devmap)) raw |= Devmap;
        if (e.Has(EntryFlags.UffdWp)) raw |= UffdWp;
        return raw;
    }

    /// <summary>Kernel: pte_pfn(), pte_write/dirty/young/special/devmap/uffd_wp/cont, pte_user, pte_user_exec, pte_protnone.</summary>
    private PageEntry DecodePage(PageLevel level, ulong raw)
    {
        bool protNone = (raw & Valid) == 0;
        var flags = protNone ? EntryFlags.ProtNone : EntryFlags.None;
        if (!protNone)
        {
            if ((raw & Ng) == 0) flags |= EntryFlags.Global;
            if ((raw & User) != 0) flags |= EntryFlags.User;
            if ((raw & Uxn) == 0) flags |= EntryFlags.Exec;
        }

        if ((raw & Write) != 0) flags |= EntryFlags.Write;
        if ((raw & Dirty) != 0 || (raw & (Write | Rdonly)) == Write) flags |= EntryFlags.Dirty;
        if ((raw & Af) != 0) flags |= EntryFlags.Young;
        if ((raw & Special) != 0) flags |= EntryFlags.Special;
        if ((raw & Devmap) != 0) flags |= EntryFlags.Devmap;
        if ((raw & UffdWp) != 0) flags |= EntryFlags.UffdWp;
        if ((raw & Cont) != 0) flags |= level == PageLevel.Pte ? EntryFlags.Cont | EntryFlags.Huge : EntryFlags.Cont;
        if (level != PageLevel.Pte) flags |= EntryFlags.Huge;
        return PageEntry.Page((raw & LeafMask(level)) >> _geometry.PageShift, flags);
    }

    /// <summary>
    /// Kernel: pmd_table()/pud_table() test the type bit; a pte is always a page, a pgd or p4d always
    /// a table, except the pgd that holds the folded pud's blocks.
    /// </summary>
    private bool IsTable(PageLevel level, ulong raw) => level switch
    {
        PageLevel.Pte => false,
        PageLevel.Pmd or PageLevel.Pud => (raw & TableBit) != 0,
        _ when level == _pudHome => (raw & TableBit) != 0,
        _ => true,
    };

    private ulong LeafMask(PageLevel level) => level switch
    {
        PageLevel.Pte or PageLevel.Pmd or PageLevel.Pud => AddressMask(_geometry[level].Shift),
        _ when level == _pudHome => AddressMask(_geometry[level].Shift),
        _ => AddressMask(_geometry.PageShift),
    };

    /// <summary>
    /// The kernel masks a misaligned frame silently; here it is a caller's bug, so it is reported.
    /// The message is built only then: encoding runs on every fault and fill.
    /// </summary>
    private ulong FrameBits(ulong frame, ulong mask, PageLevel level, bool table)
    {
        ulong phys = frame << _geometry.PageShift;
        if (frame > MaxFrame || (phys & ~mask) != 0)
            throw new ArgumentOutOfRangeException("entry",
                $"frame 0x{frame:x} does not fit an arm64 {level.KernelName()} {(table ? "table" : "page")} (mask 0x{mask:x})");
        return phys;
    }
}
