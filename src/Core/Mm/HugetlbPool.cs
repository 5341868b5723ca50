using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// The pool of one huge page size: how many pages it holds, which are free, and how many of the free
/// ones are promised to mappings (reservations). Pool pages are allocated when the pool grows and go
/// back to it when their last reference is dropped.
/// </summary>
/// Kernel: struct hstate (nr_huge_pages, free_huge_pages, resv_huge_pages), set_max_huge_pages(),
/// dequeue_hugetlb_folio_vma(), free_huge_folio() (mm/hugetlb.c).
public sealed class HugetlbPool
{
    private readonly PhysicalMemory _memory;
    private readonly Stack<ulong> _free = new();

    public HugetlbPool(HugePageSize size, PhysicalMemory memory)
    {
        Size = size;
        _memory = memory;
    }

    public HugePageSize Size { get; }

    public int Order => Size.Shift - _memory.PageShift;

    /// <summary>/sys/kernel/mm/hugepages/hugepages-*/nr_hugepages.</summary>
    public ulong NrHugepages { get; private set; }

    public ulong FreeHugepages => (ulong)_free.Count;

    /// <summary>
    /// Free pages promised to mappings (resv_huge_pages). Signed: like the kernel's counter it may
    /// drop below zero for a while, when a private mapping goes away while a page that will give
    /// its reservation back is still in use (a fork child maps it); the page's release evens it out.
    /// </summary>
    public long ResvHugepages { get; private set; }

    /// <summary>Free pages nobody has reserved.</summary>
    public long Available => (long)FreeHugepages - ResvHugepages;

    public ulong InUse => NrHugepages - FreeHugepages;

    /// <summary>
    /// Grows by allocating pages or shrinks by releasing free unreserved ones; a pool never shrinks
    /// below the pages in use and reserved. Returns false when growing stopped because the machine
    /// had no memory left for another page (no process is killed for a pool: the allocation may fail).
    /// </summary>
    /// Kernel: set_max_huge_pages() -> alloc_pool_huge_folio() (__GFP_RETRY_MAYFAIL).
    public bool Resize(ulong count)
    {
        while (NrHugepages < count)
        {
            if (!_memory.TryAllocate(Order, zero: false, out ulong pfn))
                return false;
            NrHugepages++;
            Release(pfn);
        }
        while (NrHugepages > count && Available > 0 && _free.Count > 0)
        {
            ulong pfn = _free.Pop();
            _memory[pfn].Flags &= ~PageFlags.Hugetlb;
            _memory[pfn].RefCount = 0;
            _memory.Free(pfn, Order);
            NrHugepages--;
        }
        return true;
    }

    /// <summary>Reserves <paramref name="count"/> free pages; false when too few are unreserved.</summary>
    /// Kernel: hugetlb_acct_memory(h, delta > 0).
    public bool Reserve(ulong count)
    {
        if (count > (ulong)Math.Max(Available, 0))
            return false;
        ResvHugepages += (long)count;
        return true;
    }

    /// <summary>
    /// Gives reservations back. The count may fall below zero for a while (see
    /// <see cref="ResvHugepages"/>); whether every reservation is accounted for is the consistency
    /// checker's question (DEBUG_VM), not a failure here.
    /// </summary>
    /// Kernel: hugetlb_acct_memory(h, delta &lt; 0) -> return_unused_surplus_pages().
    public void Unreserve(ulong count) => ResvHugepages -= (long)count;

    /// <summary>
    /// Takes a free page with one reference, consuming a reservation when <paramref name="reserved"/>
    /// (the page then carries <see cref="PageFlags.HugetlbRestoreReserve"/> until it is used); 0 when
    /// none may be taken. The page's contents are whatever its last user left.
    /// </summary>
    /// Kernel: alloc_hugetlb_folio() -> dequeue_hugetlb_folio_vma(), folio_set_hugetlb_restore_reserve().
    public ulong Dequeue(bool reserved)
    {
        // A mapping with a reservation may take any free page; others only what nobody reserved.
        if (reserved ? _free.Count == 0 : Available <= 0)
            return 0;
        if (reserved)
            ResvHugepages--;
        ulong pfn = _free.Pop();
        ref var d = ref _memory[pfn];
        d.RefCount = 1;
        if (reserved)
            d.Flags |= PageFlags.HugetlbRestoreReserve;
        return pfn;
    }

    /// <summary>
    /// Returns a page whose last reference went; a page that took a reservation and was never used
    /// gives the reservation back.
    /// </summary>
    /// Kernel: free_huge_folio() -> enqueue_hugetlb_folio().
    public void Release(ulong pfn)
    {
        ref var d = ref _memory[pfn];
        if ((d.Flags & PageFlags.HugetlbRestoreReserve) != 0)
            ResvHugepages++;
        d.Flags = PageFlags.Head | PageFlags.Hugetlb;
        d.RefCount = 0;
        d.MapCount = 0;
        d.PinCount = 0;
        d.Owner = 0;
        d.Index = 0;
        _free.Push(pfn);
    }
}
