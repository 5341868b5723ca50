namespace Pluggable.Core.Mm;

/// <summary>
/// The VMAs of an address space, sorted by start address, non-overlapping. Each VMA is kernel
/// memory, charged to the machine while it exists.
/// </summary>
/// Kernel: the mm's maple tree (find_vma(), vma_lookup(), vma_iterator), vm_area_alloc() / vm_area_free().
public sealed class VmaList
{
    /// <summary>Kernel: sysctl vm.max_map_count (DEFAULT_MAX_MAP_COUNT).</summary>
    public const int MaxMapCount = 65530;

    /// <summary>Kernel: the object size of the vm_area_struct slab on the CI machine (/proc/slabinfo).</summary>
    public const int VmaBytes = 192;

    private readonly List<Vma> _vmas = [];
    private readonly Physical.PhysicalMemory _memory;

    public VmaList(Physical.PhysicalMemory memory) => _memory = memory;

    /// <summary>Kernel: mm->map_count.</summary>
    public int Count => _vmas.Count;

    public IReadOnlyList<Vma> All => _vmas;

    /// <summary>The VMA containing <paramref name="address"/>, or null. Kernel: vma_lookup().</summary>
    public Vma? Find(ulong address)
    {
        int i = IndexOfFirstEndingAfter(address);
        return i < _vmas.Count && _vmas[i].Start <= address ? _vmas[i] : null;
    }

    /// <summary>The first VMA with End &gt; address. Kernel: find_vma().</summary>
    public Vma? FindFrom(ulong address)
    {
        int i = IndexOfFirstEndingAfter(address);
        return i < _vmas.Count ? _vmas[i] : null;
    }

    /// <summary>The last VMA ending at or before <paramref name="address"/>, or null. Kernel: vma_prev() of the gap.</summary>
    public Vma? LastEndingBefore(ulong address)
    {
        int i = IndexOfFirstEndingAfter(address);
        return i > 0 ? _vmas[i - 1] : null;
    }

    /// <summary>The VMAs intersecting [start, end), in order.</summary>
    public List<Vma> Intersecting(ulong start, ulong end)
    {
        var result = new List<Vma>();
        for (int i = IndexOfFirstEndingAfter(start); i < _vmas.Count && _vmas[i].Start < end; i++)
            result.Add(_vmas[i]);
        return result;
    }

    public void Insert(Vma vma)
    {
        int i = IndexOfFirstEndingAfter(vma.Start);
        if (i < _vmas.Count && _vmas[i].Start < vma.End)
            throw new InvalidOperationException($"VMA {vma} overlaps {_vmas[i]}");
        _memory.ChargeKernel(VmaBytes);
        _vmas.Insert(i, vma);
    }

    public void Remove(Vma vma)
    {
        int i = IndexOfFirstEndingAfter(vma.Start);
        if (i >= _vmas.Count || !ReferenceEquals(_vmas[i], vma))
            throw new InvalidOperationException($"BUG: removing VMA {vma}, which is not in the list");
        _vmas.RemoveAt(i);
        _memory.UnchargeKernel(VmaBytes);
    }

    /// <summary>The boundaries at <paramref name="start"/> and <paramref name="end"/> that do not exist yet (0 to 2).</summary>
    public int SplitsNeeded(ulong start, ulong end)
    {
        int splits = 0;
        if (Find(start) is { } first && first.Start != start)
            splits++;
        if (Find(end) is { } last && last.Start != end)
            splits++;
        return splits;
    }

    /// <summary>Splits so that a VMA boundary lies at <paramref name="address"/>; returns the part starting there.</summary>
    /// Kernel: split_vma().
    public Vma? SplitAt(ulong address, int pageShift)
    {
        int i = IndexOfFirstEndingAfter(address);
        if (i >= _vmas.Count || _vmas[i].Start > address)
            return null;
        var vma = _vmas[i];
        if (vma.Start == address)
            return vma;
        var tail = vma.CloneRange(address, vma.End, pageShift);
        if (tail.File is { } file)
            file.References++;
        vma.End = address;
        _memory.ChargeKernel(VmaBytes);
        _vmas.Insert(i + 1, tail);
        return tail;
    }

    /// <summary>
    /// Merges <paramref name="modified"/>, which just got new attributes, with the neighbours that
    /// now match; returns the VMA it is part of afterwards. A merge that would delete a VMA with a
    /// close hook (hugetlb) is not made: when the change covered such a VMA whole
    /// (<paramref name="whole"/>) it stays apart.
    /// </summary>
    /// Kernel: vma_merge_existing_range(), can_merge_remove_vma().
    public Vma MergeModified(Vma modified, bool whole, int pageShift)
    {
        if (whole && modified.IsHugetlb)
            return modified;
        int i = IndexOfFirstEndingAfter(modified.Start);
        if (i + 1 < _vmas.Count && CanMerge(modified, _vmas[i + 1], pageShift))
            AbsorbNext(i);
        if (i > 0 && CanMerge(_vmas[i - 1], modified, pageShift))
        {
            AbsorbNext(i - 1);
            return _vmas[i - 1];
        }
        return modified;
    }

    private void AbsorbNext(int i)
    {
        var a = _vmas[i];
        var b = _vmas[i + 1];
        a.End = b.End;
        if (a.AnonVma == 0)
            a.AnonVma = b.AnonVma;
        if (b.File is { } file)
            file.References--;
        _vmas.RemoveAt(i + 1);
        _memory.UnchargeKernel(VmaBytes);
    }

    /// <summary>Kernel: is_mergeable_vma() + is_mergeable_anon_vma() + file offset continuity.</summary>
    private static bool CanMerge(Vma a, Vma b, int pageShift)
    {
        if (a.End != b.Start || a.Flags != b.Flags || a.File != b.File || !ReferenceEquals(a.Uffd, b.Uffd))
            return false;
        if (a.AnonVma != 0 && b.AnonVma != 0 && a.AnonVma != b.AnonVma)
            return false;
        return a.File is null || a.PgOff + ((a.End - a.Start) >> pageShift) == b.PgOff;
    }

    private int IndexOfFirstEndingAfter(ulong address)
    {
        int lo = 0, hi = _vmas.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_vmas[mid].End <= address)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
