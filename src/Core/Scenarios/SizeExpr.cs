namespace Pluggable.Core.Scenarios;

/// <summary>The unit of a SIZE (Lexical rules). Pages and huge pages depend on the selected architecture.</summary>
public enum SizeUnit
{
    Bytes,
    Kib,
    Mib,
    Gib,
    Pages,
    HugePages,
    PmdSizes,
}

/// <summary>
/// A SIZE kept symbolic until run time, because <c>p</c>, <c>hp</c> and <c>pmd</c> are only known once the
/// architecture is selected (<see cref="BackendFacts.PageSize"/>, <see cref="BackendFacts.HugePageSize"/>,
/// <see cref="BackendFacts.PmdSize"/>).
/// </summary>
public readonly record struct SizeExpr(ulong Number, SizeUnit Unit, string Text)
{
    public static SizeExpr Bytes(ulong n) => new(n, SizeUnit.Bytes, n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The size in bytes; a script error when it does not fit in 64 bits.</summary>
    public ulong Resolve(BackendFacts facts)
    {
        ulong unit = Unit switch
        {
            SizeUnit.Bytes => 1,
            SizeUnit.Kib => 1UL << 10,
            SizeUnit.Mib => 1UL << 20,
            SizeUnit.Gib => 1UL << 30,
            SizeUnit.Pages => facts.PageSize,
            SizeUnit.PmdSizes => facts.PmdSize,
            _ => facts.HugePageSize,
        };
        ulong bytes = Number * unit;
        if (Number != 0 && bytes / Number != unit)
            throw new ScriptErrorException($"size '{Text}' is too large");
        return bytes;
    }

    /// <summary>A size the way <c>needs</c> lines write it: <c>4k</c>, <c>2m</c>, <c>1g</c>, else bytes.</summary>
    public static string Name(ulong bytes) => bytes switch
    {
        0 => "0",
        _ when bytes % (1UL << 30) == 0 => $"{bytes >> 30}g",
        _ when bytes % (1UL << 20) == 0 => $"{bytes >> 20}m",
        _ when bytes % (1UL << 10) == 0 => $"{bytes >> 10}k",
        _ => bytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override string ToString() => Text;
}
