namespace Pluggable.Core.Mm;

/// <summary>Where a file's pages are mapped: the reverse map of a memory file.</summary>
/// Kernel: vma_interval_tree_foreach() over mapping->i_mmap.
public static class FileMappings
{
    /// <summary>
    /// Every VMA of every address space that maps file pages [first, last) (base-page offsets),
    /// with the addresses of that part. A snapshot, so callers may unmap while they go through it.
    /// </summary>
    public static List<(MmStruct Mm, Vma Vma, ulong Start, ulong End)> Of(MemorySystem system, MemoryFile file, ulong first, ulong last)
    {
        int shift = system.PageShift;
        var found = new List<(MmStruct, Vma, ulong, ulong)>();
        foreach (var mm in system.Mms)
        {
            foreach (var vma in mm.Vmas.All)
            {
                if (vma.File != file)
                    continue;
                ulong vmaFirst = vma.PgOff, vmaLast = vma.PgOff + (vma.Length >> shift);
                ulong from = Math.Max(first, vmaFirst), to = Math.Min(last, vmaLast);
                if (from < to)
                    found.Add((mm, vma, vma.Start + ((from - vmaFirst) << shift), vma.Start + ((to - vmaFirst) << shift)));
            }
        }
        return found;
    }
}
