using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// One pool per huge page size the architecture declares. All pools together may hold at most
/// <see cref="MaxPoolBytes"/>: the emulator's stand-in for the host memory a real kernel would run
/// out of, so that asking for more answers ENOMEM as the kernel does when it cannot grow the pool.
/// </summary>
/// Kernel: hstates[] and /sys/kernel/mm/hugepages (mm/hugetlb.c).
public sealed class HugetlbPools
{
    /// <summary>16 GiB of huge pages in all; pool pages are only backed once touched.</summary>
    public const ulong MaxPoolBytes = 16UL << 30;

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
    /// a pool, ENOMEM when it could not grow that far. A request beyond the emulator's budget is
    /// refused before anything is allocated (the kernel would grow as far as memory allows, which
    /// no scenario can observe beyond the ENOMEM).
    /// </summary>
    /// Kernel: nr_hugepages_store_common() -> set_max_huge_pages().
    public Errno SetCount(ulong size, ulong count)
    {
        var pool = ForSize(size);
        if (pool is null)
            return Errno.EINVAL;
        ulong others = 0;
        foreach (var p in _pools)
            if (p != pool)
                others += p.NrHugepages * p.Size.Size;
        ulong limit = others >= MaxPoolBytes ? 0 : (MaxPoolBytes - others) / pool.Size.Size;
        if (count > limit)
            return Errno.ENOMEM;
        return pool.Resize(count, limit) ? Errno.None : Errno.ENOMEM;
    }
}
