using Pluggable.Core.Arch;
using static Pluggable.Arch.X86_64.X86PteBits;

namespace Pluggable.Arch.X86_64;

/// <summary>
/// The x86_64 page-table word. Leaves exist at pte, pmd (2M) and pud (1G) level; pgd and p4d entries
/// only ever point to tables. The layout does not depend on the number of levels, so one instance
/// serves both configurations.
/// </summary>
/// Kernel: arch/x86/include/asm/pgtable.h (pfn_pte/pte_pfn, pfn_pmd/pmd_pfn, pte_mk*, pte_* tests).
public sealed class X86_64EntryCodec : IEntryCodec
{
    public static readonly X86_64EntryCodec Instance = new();

    /// <summary>Physical addresses are at most 52 bits, so frame numbers at most 40.</summary>
    public const ulong MaxFrame = PfnMask >> PageShift;

    /// <summary>The largest swap offset the format stores (50 bits, less the all-ones value).</summary>
    public const ulong MaxSwapOffset = X86SwapFormat.MaxOffset;

    public ulong Encode(PageLevel level, in PageEntry entry) => entry.Kind switch
    {
        EntryKind.None => 0,
        EntryKind.Table => EncodeTable(level, entry.Frame),
        EntryKind.Page => EncodePage(level, entry),
        EntryKind.Swap => X86SwapFormat.Encode(entry),
        _ => throw new ArgumentException($"x86_64 has no {entry.Kind} entries", nameof(entry)),
    };

    public PageEntry Decode(PageLevel level, ulong raw)
    {
        if ((raw & ~ErratumMask) == 0)
            return PageEntry.Empty;
        if (!IsPresent(raw))
            return X86SwapFormat.Decode(raw);
        if (!IsLeaf(level, raw))
            return PageEntry.Table((raw & PfnMask) >> PageShift);
        return DecodePage(level, raw);
    }

    public string Describe(PageLevel level, ulong raw) =>
        raw == 0 ? ""
        : !IsPresent(raw) && (raw & ~ErratumMask) != 0 ? X86SwapFormat.Describe(raw)
        : X86BitNames.Describe(level, raw);

    /// <summary>Kernel: pgd_populate/p4d_populate/pud_populate/pmd_populate (_PAGE_TABLE | pa).</summary>
    private static ulong EncodeTable(PageLevel level, ulong frame)
    {
        if (level == PageLevel.Pte)
            throw new ArgumentException("an x86_64 pte maps a page; it never points to a table", nameof(level));
        return FrameBits(frame, PfnMask, level, table: true) | Table;
    }

    /// <summary>
    /// Kernel: pfn_pte()/pfn_pmd()/pfn_pud() with the prot bits, pte_mkdirty()'s saved-dirty shift, and
    /// the L1TF guard (protnone_mask) that stores a PROT_NONE entry's frame inverted.
    /// </summary>
    private static ulong EncodePage(PageLevel level, in PageEntry e)
    {
        ulong frameMask = FrameMask(level);
        ulong phys = FrameBits(e.Frame, frameMask, level, table: false);
        bool protNone = e.Has(EntryFlags.ProtNone);
        ulong raw = protNone ? (~phys & frameMask) | ProtNone : phys | Present;

        if (e.Has(EntryFlags.Write)) raw |= Rw;
        if (e.Has(EntryFlags.User)) raw |= User;
        if (e.Has(EntryFlags.Young)) raw |= Accessed;
        if (e.Has(EntryFlags.Dirty)) raw |= e.Has(EntryFlags.Write) ? Dirty : SavedDirty;
        if (level != PageLevel.Pte) raw |= Pse;
        if (e.Has(EntryFlags.Global) && !protNone) raw |= Global;
        if (e.Has(EntryFlags.Special)) raw |= Special;
        if (e.Has(EntryFlags.UffdWp)) raw |= UffdWp;
        if (e.Has(EntryFlags.SoftDirty)) raw |= SoftDirty;
        if (e.Has(EntryFlags.Devmap)) raw |= Devmap;
        if (e.Has(EntryFlags.ExecOnly)) raw |= ExecOnlyPkey;
        if (!e.Has(EntryFlags.Exec)) raw |= Nx;
        return raw;
    }

    /// <summary>Kernel: pte_pfn()/pmd_pfn()/pud_pfn() and pte_write/dirty/young/special/uffd_wp/soft_dirty/devmap/protnone.</summary>
    private static PageEntry DecodePage(PageLevel level, ulong raw)
    {
        bool protNone = (raw & Present) == 0;
        ulong phys = (protNone ? ~raw : raw) & FrameMask(level);

        var flags = EntryFlags.None;
        if ((raw & Rw) != 0) flags |= EntryFlags.Write;
        if ((raw & User) != 0) flags |= EntryFlags.User;
        if ((raw & Accessed) != 0) flags |= EntryFlags.Young;
        if ((raw & (Dirty | SavedDirty)) != 0) flags |= EntryFlags.Dirty;
        if (level != PageLevel.Pte) flags |= EntryFlags.Huge;
        if (protNone) flags |= EntryFlags.ProtNone;
        else if ((raw & Global) != 0) flags |= EntryFlags.Global;
        if ((raw & Special) != 0) flags |= EntryFlags.Special;
        if ((raw & UffdWp) != 0) flags |= EntryFlags.UffdWp;
        if ((raw & SoftDirty) != 0) flags |= EntryFlags.SoftDirty;
        if ((raw & Devmap) != 0) flags |= EntryFlags.Devmap;
        if ((raw & Nx) == 0) flags |= EntryFlags.Exec;
        if ((raw & PkeyMask) == ExecOnlyPkey) flags |= EntryFlags.ExecOnly;
        return PageEntry.Page(phys >> PageShift, flags);
    }

    /// <summary>Kernel: pte_present() (PRESENT or PROTNONE).</summary>
    private static bool IsPresent(ulong raw) => (raw & (Present | ProtNone)) != 0;

    /// <summary>Kernel: pmd_leaf()/pud_leaf() test PSE; a pte is always a leaf, a pgd or p4d never.</summary>
    private static bool IsLeaf(PageLevel level, ulong raw) => level switch
    {
        PageLevel.Pte => true,
        PageLevel.Pmd or PageLevel.Pud => (raw & Pse) != 0,
        _ => false,
    };

    private static ulong FrameMask(PageLevel level) => level switch
    {
        PageLevel.Pte => PfnMask,
        PageLevel.Pmd => LeafPfnMask(X86Paging.PmdShift),
        PageLevel.Pud => LeafPfnMask(X86Paging.PudShift),
        _ => throw new ArgumentException($"x86_64 has no leaf entries at {level.KernelName()} level", nameof(level)),
    };

    /// <summary>
    /// The kernel masks a misaligned frame silently; here it is a caller's bug, so it is reported.
    /// The message is built only then: encoding runs on every fault and fill.
    /// </summary>
    private static ulong FrameBits(ulong frame, ulong frameMask, PageLevel level, bool table)
    {
        ulong phys = frame << PageShift;
        if (frame > MaxFrame || (phys & ~frameMask) != 0)
            throw new ArgumentOutOfRangeException("entry",
                $"frame 0x{frame:x} does not fit an x86_64 {level.KernelName()} {(table ? "table" : "page")} (mask 0x{frameMask:x})");
        return phys;
    }
}
