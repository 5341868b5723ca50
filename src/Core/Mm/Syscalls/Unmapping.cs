namespace Pluggable.Core.Mm;

/// <summary>munmap: split the VMAs at the edges, zap and remove them, free the tables nobody else covers.</summary>
/// Kernel: do_vmi_munmap() -> do_vmi_align_munmap(), unmap_region(), free_pgtables().
public static class Unmapping
{
    public static Errno Munmap(MmStruct mm, ulong start, ulong length)
    {
        var error = Validate(mm, start, length, out ulong end);
        if (error == Errno.None)
            Remove(mm, start, end);
        return error;
    }

    /// <summary>The checks of munmap before anything changes; <paramref name="end"/> is the page-rounded end.</summary>
    public static Errno Validate(MmStruct mm, ulong start, ulong length, out ulong end)
    {
        var geo = mm.System.Geometry;
        end = 0;
        if ((start & (geo.PageSize - 1)) != 0 || start >= geo.TaskSize || length > geo.TaskSize - start)
            return Errno.EINVAL;
        if (length == 0)
            return Errno.EINVAL;
        end = start + ((length + geo.PageSize - 1) & geo.PageMask);
        if (!VmaSplit.CanSplitAt(mm, start) || !VmaSplit.CanSplitAt(mm, end))
            return Errno.EINVAL;
        if (mm.Vmas.Find(start) is { } inside && inside.Start < start && end < inside.End && mm.Vmas.Count >= VmaList.MaxMapCount)
            return Errno.ENOMEM;
        return Errno.None;
    }

    /// <summary>Removes every mapping in [start, end) (no checks: callers validated the range).</summary>
    public static void Remove(MmStruct mm, ulong start, ulong end)
    {
        if (VmaSplit.SplitRange(mm, start, end) != Errno.None)
            throw new InvalidOperationException($"BUG: munmap of [0x{start:x}, 0x{end:x}) was validated but a hugetlb VMA refused the split");
        foreach (var vma in mm.Vmas.Intersecting(start, end))
            RemoveVma(mm, vma);
        var prev = mm.Vmas.LastEndingBefore(start);
        ulong floor = prev?.End ?? 0;
        ulong ceiling = mm.Vmas.FindFrom(end)?.Start ?? mm.System.Geometry.TaskSize;
        mm.Tables.FreeRange(start, end, floor, ceiling);
    }

    /// <summary>Zaps and forgets one VMA (its tables are freed by the caller or at teardown).</summary>
    public static void RemoveVma(MmStruct mm, Vma vma)
    {
        if (vma.IsHugetlb)
        {
            HugetlbUnmap.Range(mm, vma, vma.Start, vma.End, ZapMode.Unmap);
            HugetlbReserve.Close(mm.System, vma, vma.Start, vma.End);
        }
        else
        {
            Zap.Range(mm, vma, vma.Start, vma.End, ZapMode.Unmap);
        }
        mm.Vmas.Remove(vma);
        if (vma.File is { } file)
            mm.System.DropFileReference(file);
    }
}
