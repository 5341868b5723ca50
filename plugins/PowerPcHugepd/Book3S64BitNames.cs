using Pluggable.Core.Arch;
using static Pluggable.Arch.PowerPc.Book3S64PteBits;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Names the set bits of a Book3S-64 word for <c>dump</c>, lowest first. The real page number bits
/// are left to the core, which prints the decoded frame; the bits hash keeps above _PAGE_PA_MAX for
/// its hash-table slot are named only under the hash MMU, where they mean something.
/// </summary>
/// Kernel: the _PAGE_*/_RPAGE_* definitions of arch/powerpc/include/asm/book3s/64/pgtable.h and the
/// H_PAGE_* ones of asm/book3s/64/hash-4k.h / hash-64k.h.
internal static class Book3S64BitNames
{
    public static string Describe(PowerPcMmu mmu, int pageShift, ulong raw)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((raw & (1UL << bit)) == 0)
                continue;
            string? name = Name(mmu, pageShift, bit);
            if (name is not null)
                names.Add(name);
        }

        return string.Join(" ", names);
    }

    /// <summary>"PRESENT" for a table pointer (plus its radix NLS), "PRESENT PSIZE=16M" for a hugepd.</summary>
    public static string DescribePointer(PowerPcMmu mmu, ulong raw, in PageEntry entry)
    {
        if (entry.Kind == EntryKind.HugePd)
            return $"PRESENT PSIZE={HugePageSize.Format(1UL << entry.Shift)}";
        return mmu == PowerPcMmu.Radix ? $"PRESENT NLS={raw & RadixNlsMask}" : "PRESENT";
    }

    /// <summary>The name of one set bit, or null for a real page number bit.</summary>
    private static string? Name(PowerPcMmu mmu, int pageShift, int bit) => bit switch
    {
        0 => "EXEC",
        1 => "WRITE",
        2 => "READ",
        3 => "PRIVILEGED",
        4 => "SAO",
        5 => "NON_IDEMPOTENT",
        6 => mmu == PowerPcMmu.Hash ? "BUSY" : "RSV1",
        7 => "DIRTY",
        8 => "ACCESSED",
        9 => "SOFT_DIRTY",
        10 => "SPECIAL",
        11 => "DEVMAP",
        12 when pageShift == 16 && mmu == PowerPcMmu.Hash => "COMBO",
        13 when pageShift == 16 && mmu == PowerPcMmu.Hash => "THP_HUGE",
        < PaMax => bit < pageShift ? $"bit{bit}" : null,
        55 when mmu == PowerPcMmu.Hash && pageShift == 16 => "HASHPTE",
        >= 53 and <= 55 when mmu == PowerPcMmu.Hash && pageShift == 12 => $"GIX{bit - 53}",
        56 when mmu == PowerPcMmu.Hash && pageShift == 12 => "F_SECOND",
        60 when mmu == PowerPcMmu.Hash && pageShift == 12 => "HASHPTE",
        >= 56 and <= 60 => $"PKEY{bit - 56}",
        61 => "INVALID",
        62 => "PTE",
        63 => "PRESENT",
        _ => $"bit{bit}",
    };
}
