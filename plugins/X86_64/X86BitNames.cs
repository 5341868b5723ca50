using Pluggable.Core.Arch;
using static Pluggable.Arch.X86_64.X86PteBits;

namespace Pluggable.Arch.X86_64;

/// <summary>
/// Names the set bits of a present (or PROT_NONE) x86_64 word for <c>dump</c>, lowest bit first. The
/// frame bits are left to the core, which prints the decoded frame.
/// </summary>
/// Kernel: the _PAGE_BIT_* definitions of arch/x86/include/asm/pgtable_types.h.
internal static class X86BitNames
{
    public static string Describe(PageLevel level, ulong raw)
    {
        bool leaf = level is PageLevel.Pmd or PageLevel.Pud && (raw & Pse) != 0;
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((raw & (1UL << bit)) == 0)
                continue;
            string? name = Name(bit, level, raw, leaf);
            if (name is not null)
                names.Add(name);
        }

        return string.Join(" ", names);
    }

    /// <summary>The name of one set bit, or null for a frame bit.</summary>
    private static string? Name(int bit, PageLevel level, ulong raw, bool leaf) => bit switch
    {
        0 => "P",
        1 => "RW",
        2 => "U",
        3 => "PWT",
        4 => "PCD",
        5 => "A",
        6 => "D",
        7 => level == PageLevel.Pte ? "PAT" : "PSE",
        8 => (raw & Present) != 0 ? "G" : "PROTNONE",
        9 => "SPECIAL",
        10 => "UFFD_WP",
        11 => "SOFT_DIRTY",
        // A 2M/1G leaf moves its PAT bit here because bit 7 is PSE; in other entries bit 12 is a frame bit.
        12 when leaf => "PAT_LARGE",
        < 52 => null,
        57 => "DEVMAP",
        58 => "SAVED_DIRTY",
        >= 59 and <= 62 => $"PKEY{bit - 59}",
        63 => "NX",
        _ => $"bit{bit}",
    };
}
