namespace Pluggable.Fuzzing;

/// <summary>
/// Picks ranges and addresses inside (and just outside) a mapping, leaning on the places where the
/// kernel's checks live: the first and last page, one page short, past the end, huge page
/// boundaries, a base page inside a huge page, unaligned bytes, nothing at all.
/// </summary>
internal sealed class RangeChooser(FuzzRandom random, GeneratorProfile profile)
{
    private readonly ulong _page = profile.PageSize;
    private readonly ulong _huge = profile.HugePageSize;

    public (ulong Offset, ulong Length) Range(ModelMapping m)
    {
        ulong b = m.Bytes;
        // A mapping smaller than its granule (one page of a file mapped privately) works in pages.
        ulong g = b == 0 ? m.Granule : Math.Min(m.Granule, Math.Max(_page, b / _page * _page));
        var candidates = new List<(int Weight, Func<(ulong, ulong)> Pick)>
        {
            (20, () => (0, b)),
            (8, () => (0, g)),
            (4, () => (b - Math.Min(b, g), Saturating.Times(2, g))),
            (3, () => (0, Saturating.Add(b, g))),
            (18, () => Aligned(b, g)),
            (2, () => (random.Between(1, _page - 1), random.Between(1, 2 * _page))),
            (1, () => (0, 0)),
        };
        if (b > g)
        {
            candidates.Add((8, () => (b - g, g)));
            candidates.Add((6, () => (0, b - g)));
            candidates.Add((5, () => (g, b - g)));
        }
        if (m.Hugetlb && _page < _huge)
            candidates.Add((4, () => (random.Chance(0.5) ? 0 : _page, _page)));
        if (!m.Hugetlb && profile.HugeShapes && b >= _huge)
        {
            candidates.Add((3, () => (0, _huge)));
            candidates.Add((3, () => (_huge - _page, 2 * _page)));
        }
        return Pick(candidates);
    }

    /// <summary>A range of at most <paramref name="limit"/> bytes, for commands that touch every page of it.</summary>
    public (ulong Offset, ulong Length) BoundedRange(ModelMapping m, ulong limit)
    {
        var (offset, length) = Range(m);
        return (offset, Math.Min(length, limit));
    }

    /// <summary>One address for a single access: edges, a random page, a random byte.</summary>
    public ulong Point(ModelMapping m)
    {
        ulong b = Math.Max(m.Bytes, _page);
        var candidates = new List<(int Weight, Func<ulong> Pick)>
        {
            (10, () => 0),
            (8, () => b - _page),
            (3, () => b - 1),
            (3, () => b),
            (20, () => random.Between(0, b / _page - 1) * _page),
            (4, () => random.Between(0, b - 1)),
        };
        if (profile.HugeShapes && b > _huge)
            candidates.Add((4, () => _huge * random.Between(1, (b - 1) / _huge)));
        return Pick(candidates);
    }

    /// <summary>A whole number of units somewhere inside the mapping.</summary>
    private (ulong, ulong) Aligned(ulong bytes, ulong unit)
    {
        ulong units = Math.Max(1, bytes / unit);
        ulong first = random.Between(0, units - 1);
        ulong count = random.Between(1, units - first);
        return (first * unit, count * unit);
    }

    private T Pick<T>(List<(int Weight, Func<T> Pick)> candidates) =>
        random.Weighted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates))();
}
