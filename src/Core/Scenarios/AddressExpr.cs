namespace Pluggable.Core.Scenarios;

/// <summary>An ADDR: a mapping label plus zero or more SIZE offsets (<c>a+1hp+2p</c>), resolved at run time.</summary>
public sealed record AddressExpr(string Label, IReadOnlyList<SizeExpr> Offsets, string Text)
{
    /// <summary>The sum of the offsets in bytes; a script error when it does not fit in 64 bits.</summary>
    public ulong ResolveOffset(BackendFacts facts)
    {
        ulong total = 0;
        foreach (var offset in Offsets)
        {
            ulong add = offset.Resolve(facts);
            if (add > ulong.MaxValue - total)
                throw new ScriptErrorException($"address '{Text}' is too large");
            total += add;
        }
        return total;
    }

    public override string ToString() => Text;
}
