namespace Pluggable.Core.Mm;

/// <summary>
/// A file's pages by offset: a two-level sparse array (leaves of 512 slots created on first use),
/// so a lookup or insert never allocates per page.
/// </summary>
/// Kernel: struct address_space / the xarray of a mapping.
public sealed class PageCache
{
    private const int LeafShift = 9;
    private const int LeafSize = 1 << LeafShift;
    private ulong[]?[] _leaves = [];

    /// <summary>The frame at <paramref name="index"/>, or 0 for a hole.</summary>
    public ulong Lookup(ulong index)
    {
        ulong leaf = index >> LeafShift;
        if (leaf >= (ulong)_leaves.Length)
            return 0;
        var slots = _leaves[leaf];
        return slots is null ? 0 : slots[index & (LeafSize - 1)];
    }

    public void Store(ulong index, ulong pfn)
    {
        ulong leaf = index >> LeafShift;
        if (leaf >= (ulong)_leaves.Length)
            Array.Resize(ref _leaves, (int)Math.Max(leaf + 1, (ulong)_leaves.Length * 2));
        (_leaves[leaf] ??= new ulong[LeafSize])[index & (LeafSize - 1)] = pfn;
    }

    /// <summary>Every (index, pfn) present, in index order.</summary>
    public IEnumerable<(ulong Index, ulong Pfn)> Entries()
    {
        for (int l = 0; l < _leaves.Length; l++)
        {
            var slots = _leaves[l];
            if (slots is null)
                continue;
            for (int i = 0; i < LeafSize; i++)
                if (slots[i] != 0)
                    yield return (((ulong)l << LeafShift) + (ulong)i, slots[i]);
        }
    }
}
