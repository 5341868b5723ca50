using static Pluggable.Arch.Arm64.Arm64PteBits;

namespace Pluggable.Arch.Arm64;

/// <summary>
/// Names the set bits of a present (or present-invalid) arm64 word for <c>dump</c>, lowest bit first.
/// The output address bits are left to the core, which prints the decoded frame.
/// </summary>
/// Kernel: the PTE_* definitions of arch/arm64/include/asm/pgtable-hwdef.h and pgtable-prot.h.
internal static class Arm64BitNames
{
    public static string Describe(ulong raw)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((raw & (1UL << bit)) == 0)
                continue;
            string? name = Name(bit, raw);
            if (name is not null)
                names.Add(name);
        }

        return string.Join(" ", names);
    }

    /// <summary>The name of one set bit, or null for an output address bit.</summary>
    private static string? Name(int bit, ulong raw) => bit switch
    {
        0 => "VALID",
        1 => "TYPE",
        >= 2 and <= 4 => $"ATTRIDX{bit - 2}",
        6 => "USER",
        7 => "RDONLY",
        8 or 9 => $"SH{bit - 8}",
        10 => "AF",
        11 => (raw & Valid) != 0 ? "NG" : "PRESENT_INVALID",
        < PhysBits => null,
        50 => "GP",
        51 => "WRITE",
        52 => "CONT",
        53 => "PXN",
        54 => "UXN",
        55 => "DIRTY",
        56 => "SPECIAL",
        57 => "DEVMAP",
        58 => "UFFD_WP",
        _ => $"bit{bit}",
    };
}
