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

    /// <summary>Structural, so that two parses of the same line compare equal.</summary>
    public bool Equals(AddressExpr? other)
    {
        if (other is null || Label != other.Label || Text != other.Text || Offsets.Count != other.Offsets.Count)
            return false;
        for (int i = 0; i < Offsets.Count; i++)
        {
            if (Offsets[i] != other.Offsets[i])
                return false;
        }
        return true;
    }

    public override int GetHashCode() => HashCode.Combine(Label, Text);

    public override string ToString() => Text;
}
