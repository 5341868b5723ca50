using Pluggable.Core.Arch;

namespace Pluggable.Arch.Testing;

/// <summary>
/// Which <see cref="EntryFlags"/> a codec keeps for one kind of entry at one level: the flags every
/// such entry carries (<see cref="Base"/>, e.g. Huge for a pmd leaf), those it may carry
/// (<see cref="Optional"/>), and pairs of optional flags that share a bit and cannot be set together
/// (x86_64: Global and ProtNone both live in bit 8).
/// </summary>
public sealed record FlagSupport(EntryFlags Base, EntryFlags Optional, IReadOnlyList<EntryFlags> Conflicts)
{
    /// <summary>
    /// Keeps only flags the codec supports and, of every conflicting pair, the lower one, so the
    /// result must round-trip exactly.
    /// </summary>
    public EntryFlags Normalize(EntryFlags flags)
    {
        var kept = flags & Optional;
        foreach (var pair in Conflicts)
            if ((kept & pair) == pair)
                kept &= ~HighestFlag(pair);
        return kept | Base;
    }

    public override string ToString() =>
        $"base {Base}, optional {Optional}, conflicts [{string.Join(", ", Conflicts)}]";

    private static EntryFlags HighestFlag(EntryFlags pair) => (EntryFlags)(1u << (31 - System.Numerics.BitOperations.LeadingZeroCount((uint)pair)));
}
