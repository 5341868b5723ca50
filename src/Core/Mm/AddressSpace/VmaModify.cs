namespace Pluggable.Core.Mm;

/// <summary>
/// Changing the attributes of part of one VMA, as mprotect, madvise and userfaultfd registration
/// do VMA by VMA: split at the part's edges (a hugetlb VMA refuses a split inside a huge page, and
/// a split already made at the start then stays), change the part, merge it with the neighbours
/// that now match.
/// </summary>
/// Kernel: vma_modify() and its callers vma_modify_flags(), vma_modify_flags_uffd() (mm/vma.c):
/// split_vma() at both edges, vma_merge_existing_range().
public static class VmaModify
{
    /// <param name="change">Sets the new attributes on the part, once it is a VMA of its own.</param>
    /// <param name="modified">The VMA that holds <paramref name="start"/> afterwards (merged or not).</param>
    public static Errno Apply(MmStruct mm, Vma vma, ulong start, ulong end, Action<Vma> change, out Vma modified)
    {
        modified = vma;
        bool whole = start == vma.Start && end == vma.End;
        var error = VmaSplit.SplitAt(mm, start);
        if (error != Errno.None)
            return error;
        error = VmaSplit.SplitAt(mm, end);
        if (error != Errno.None)
            return error;
        var part = mm.Vmas.Find(start)!;
        change(part);
        modified = mm.Vmas.MergeModified(part, whole, mm.System.PageShift);
        return Errno.None;
    }
}
