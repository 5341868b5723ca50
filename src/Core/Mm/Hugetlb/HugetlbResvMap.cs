namespace Pluggable.Core.Mm;

/// <summary>
/// Huge-page file indices a reservation map covers. For a shared file: indices reserved at mmap
/// (or given a page without one); for a private mapping: the indices whose reservation was used.
/// </summary>
/// Kernel: struct resv_map and its region list (mm/hugetlb.c region_add/region_del/region_count).
public sealed class HugetlbResvMap
{
    private readonly HashSet<ulong> _indices = [];

    /// <summary>The indices in the map, in no particular order.</summary>
    public IReadOnlyCollection<ulong> Indices => _indices;

    public bool Contains(ulong index) => _indices.Contains(index);

    public void Add(ulong index) => _indices.Add(index);

    public bool Remove(ulong index) => _indices.Remove(index);

    /// <summary>Empties the map, returning what it held.</summary>
    public ulong[] Drain()
    {
        var all = _indices.ToArray();
        _indices.Clear();
        return all;
    }

    /// <summary>Indices of [first, last) in the map. Kernel: region_count().</summary>
    public ulong CountIn(ulong first, ulong last)
    {
        ulong n = 0;
        if (last - first < (ulong)_indices.Count)
        {
            for (ulong i = first; i < last; i++)
                if (_indices.Contains(i))
                    n++;
            return n;
        }
        foreach (var i in _indices)
            if (i >= first && i < last)
                n++;
        return n;
    }
}
