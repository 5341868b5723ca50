namespace Pluggable.Core.Mm;

/// <summary>
/// Making VMA boundaries at the edges of a range, as every range operation does first: a hugetlb
/// VMA may only be split on a huge page boundary, and a THP leaf that a new boundary would cut is
/// split into PTEs first.
/// </summary>
/// Kernel: __split_vma() with vm_ops->may_split (hugetlb_vm_op_split()) and vma_adjust_trans_huge().
public static class VmaSplit
{
    /// <summary>Whether a boundary may fall at <paramref name="address"/>.</summary>
    public static bool CanSplitAt(MmStruct mm, ulong address)
    {
        var vma = mm.Vmas.Find(address);
        return vma is null || !vma.IsHugetlb || vma.Start == address || Hugetlb.IsAligned(vma, address);
    }

    /// <summary>
    /// One boundary at <paramref name="address"/>; with nothing changed, EINVAL where hugetlb refuses
    /// and ENOMEM when the split would take the VMA count past vm.max_map_count.
    /// </summary>
    /// Kernel: split_vma().
    public static Errno SplitAt(MmStruct mm, ulong address)
    {
        if (!CanSplitAt(mm, address))
            return Errno.EINVAL;
        if (mm.Vmas.Count >= VmaList.MaxMapCount && mm.Vmas.SplitsNeeded(address, address) > 0)
            return Errno.ENOMEM;
        HugePmdSplit.AdjustForVmaSplit(mm, address);
        mm.Vmas.SplitAt(address, mm.System.PageShift);
        return Errno.None;
    }

    /// <summary>
    /// Splits at <paramref name="start"/> and <paramref name="end"/> for munmap, which removes what
    /// it splits off and checks vm.max_map_count itself (Unmapping.Validate); EINVAL, with nothing
    /// changed, where hugetlb refuses.
    /// </summary>
    public static Errno SplitRange(MmStruct mm, ulong start, ulong end)
    {
        if (!CanSplitAt(mm, start) || !CanSplitAt(mm, end))
            return Errno.EINVAL;
        int shift = mm.System.PageShift;
        HugePmdSplit.AdjustForVmaSplit(mm, start);
        HugePmdSplit.AdjustForVmaSplit(mm, end);
        mm.Vmas.SplitAt(start, shift);
        mm.Vmas.SplitAt(end, shift);
        return Errno.None;
    }
}
