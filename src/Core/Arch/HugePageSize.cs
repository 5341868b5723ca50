namespace Pluggable.Core.Arch;

/// <summary>How a huge page is placed in the tables.</summary>
public enum HugePlacement : byte
{
    /// <summary>One entry at <see cref="HugePageSize.Level"/> maps the whole page (x86 2M/1G, arm64 2M/1G).</summary>
    Leaf,

    /// <summary>
    /// 2^(shift - level shift) consecutive slots at the level together map the page (arm64 CONT_PTE/CONT_PMD,
    /// PowerPC 8xx 512K); each slot advances the frame, or repeats the same entry.
    /// </summary>
    ContiguousRun,

    /// <summary>
    /// The slot at the level holds a hugepd pointing to a table of huge PTEs (PowerPC before v6.11).
    /// A page larger than the slot span takes 2^(shift - level shift) slots with the same hugepd.
    /// </summary>
    HugePd,
}

/// <summary>One hugetlb page size (an hstate) and where its entries live.</summary>
/// Kernel: hstate, arch_hugetlb_valid_size(), huge_pte_alloc().
public sealed record HugePageSize(int Shift, PageLevel Level, HugePlacement Placement, bool RunAdvancesFrame = true, bool Transparent = false)
{
    public ulong Size => 1UL << Shift;

    public static string Format(ulong bytes) => bytes switch
    {
        >= 1UL << 30 when bytes % (1UL << 30) == 0 => $"{bytes >> 30}G",
        >= 1UL << 20 when bytes % (1UL << 20) == 0 => $"{bytes >> 20}M",
        _ => $"{bytes >> 10}K",
    };

    public override string ToString() => Placement switch
    {
        HugePlacement.Leaf => $"{Format(Size)} ({Level.KernelName()} leaf{(Transparent ? ", thp" : "")})",
        HugePlacement.ContiguousRun => $"{Format(Size)} (contiguous {Level.KernelName()} run{(Transparent ? ", thp" : "")})",
        _ => $"{Format(Size)} (hugepd at {Level.KernelName()})",
    };
}
