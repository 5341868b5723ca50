using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// One pool per huge page size the architecture declares. Pool pages come from the machine's
/// memory like any other, so a pool grows only as far as that memory allows.
/// </summary>
/// Kernel: hstates[] and /sys/kernel/mm/hugepages (mm/hugetlb.c).
public sealed class HugetlbPools
{
    private readonly HugetlbPool[] _pools;

    public HugetlbPools(IReadOnlyList<HugePageSize> sizes, PhysicalMemory memory)
    {
        _pools = new HugetlbPool[sizes.Count];
        for (int i = 0; i < sizes.Count; i++)
            _pools[i] = new HugetlbPool(sizes[i], memory);
    }

    public IReadOnlyList<HugetlbPool> All => _pools;

    /// <summary>The pool of pages of 2^<paramref name="shift"/> bytes, or null (size_to_hstate()).</summary>
    public HugetlbPool? ForShift(int shift)
    {
        foreach (var pool in _pools)
            if (pool.Size.Shift == shift)
                return pool;
        return null;
    }

    public HugetlbPool? ForSize(ulong size) =>
        size != 0 && (size & (size - 1)) == 0 ? ForShift(System.Numerics.BitOperations.Log2(size)) : null;

    /// <summary>
    /// Sizes the pool of <paramref name="size"/> to <paramref name="count"/> pages: EINVAL without such
    /// a pool, ENOMEM when memory ran out before it reached <paramref name="count"/> (the pages it
    /// could get stay in the pool, as the kernel's sysfs write leaves them).
    /// </summary>
    /// Kernel: nr_hugepages_store_common() -> set_max_huge_pages().
    public Errno SetCount(ulong size, ulong count)
    {
        var pool = ForSize(size);
        if (pool is null)
            return Errno.EINVAL;
        return pool.Resize(count) ? Errno.None : Errno.ENOMEM;
    }
}
