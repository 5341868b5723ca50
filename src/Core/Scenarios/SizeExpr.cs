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

    public override string ToString() => Text;
}
