namespace Pluggable.Core.Physical;

/// <summary>
/// The shared zero frame(s): one on most architectures, a coloured block of 2^n frames on those
/// whose caches need the zero page to match the address's colour. Never freed, never counted.
/// </summary>
/// Kernel: empty_zero_page, ZERO_PAGE(), my_zero_pfn(), is_zero_pfn().
public sealed class ZeroPages
{
    private readonly Func<ulong, int> _indexOf;

    public ZeroPages(PhysicalMemory memory, int count, Func<ulong, int> indexOf)
    {
        if (count < 1 || (count & (count - 1)) != 0)
            throw new ArgumentException($"the zero page count must be a power of two, got {count}");
        int order = System.Numerics.BitOperations.Log2((uint)count);
        FirstPfn = memory.Allocate(order, zero: true);
        Count = count;
        _indexOf = indexOf;
        for (ulong i = 0; i < (ulong)count; i++)
            memory[FirstPfn + i].Flags |= PageFlags.Reserved;
    }

    public ulong FirstPfn { get; }
    public int Count { get; }

    /// <summary>Kernel: my_zero_pfn(addr).</summary>
    public ulong PfnFor(ulong address) => Count == 1 ? FirstPfn : FirstPfn + (ulong)_indexOf(address);

    /// <summary>Kernel: is_zero_pfn().</summary>
    public bool IsZero(ulong pfn) => pfn - FirstPfn < (ulong)Count;
}
