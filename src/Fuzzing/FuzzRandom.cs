namespace Pluggable.Fuzzing;

/// <summary>
/// The fuzzer's randomness: SplitMix64, so that a seed names the same scenario on every machine and
/// every .NET version (System.Random's sequence for a seed is not part of its contract).
/// </summary>
public sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextULong()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)Math.BigMul(NextULong(), (ulong)maxExclusive, out _);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public ulong Between(ulong min, ulong max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        ulong span = max - min;
        return span == ulong.MaxValue ? NextULong() : min + Math.BigMul(NextULong(), span + 1, out _);
    }

    public bool Chance(double probability) => (NextULong() >> 11) * (1.0 / (1UL << 53)) < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>One of the values, each as likely as its weight; weights of zero are never picked.</summary>
    public T Weighted<T>(params ReadOnlySpan<(int Weight, T Value)> choices)
    {
        int total = 0;
        foreach (var (weight, _) in choices)
            total += weight;
        int roll = Next(total);
        foreach (var (weight, value) in choices)
        {
            if (roll < weight)
                return value;
            roll -= weight;
        }
        throw new InvalidOperationException("unreachable: the roll is below the total weight");
    }
}
