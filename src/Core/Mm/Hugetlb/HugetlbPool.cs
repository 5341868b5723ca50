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

    /// <summary>Every page of the pool, surplus ones included (the kernel's nr_huge_pages).</summary>
    public ulong NrHugepages { get; private set; }

    /// <summary>
    /// Pages the pool holds beyond the size it was asked for: a shrink below the pages in use and
    /// reserved leaves them, and each goes back to the machine as soon as it is free and unreserved.
    /// </summary>
    /// Kernel: surplus_huge_pages.
    public ulong SurplusHugepages { get; private set; }

    /// <summary>What nr_hugepages reads: the pool's size without its surplus.</summary>
    /// Kernel: persistent_huge_pages().
    public ulong PersistentHugepages => NrHugepages - SurplusHugepages;

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
    /// Sets the persistent size. Surplus pages become persistent first, then new pages are
    /// allocated; a shrink frees free unreserved pages, and what it cannot free (pages in use or
    /// reserved) stays as surplus, to be freed when released. Returns false when growing stopped
    /// because the machine had no memory left for another page (no process is killed for a pool).
    /// </summary>
    /// Kernel: set_max_huge_pages() -> adjust_pool_surplus(), alloc_pool_huge_folio()
    /// (__GFP_RETRY_MAYFAIL), remove_pool_hugetlb_folio().
    public bool Resize(ulong count)
    {
        while (SurplusHugepages > 0 && PersistentHugepages < count)
            SurplusHugepages--;
        while (PersistentHugepages < count)
        {
            if (!_memory.TryAllocate(Order, zero: false, out ulong pfn))
                return false;
            NrHugepages++;
            Release(pfn);
        }
        ulong keep = Math.Max(count, (ulong)Math.Max(ResvHugepages, 0) + InUse);
        while (PersistentHugepages > keep && _free.Count > 0)
            FreeOne();
        while (PersistentHugepages > count)
            SurplusHugepages++;
        return true;
    }

    private void FreeSurplus()
    {
        FreeOne();
        SurplusHugepages--;
    }

    private void FreeOne()
    {
        ulong pfn = _free.Pop();
        _memory[pfn].Flags &= ~PageFlags.Hugetlb;
        _memory[pfn].RefCount = 0;
        _memory.Free(pfn, Order);
        NrHugepages--;
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
    public void Unreserve(ulong count)
    {
        ResvHugepages -= (long)count;
        for (ulong n = Math.Min(count, SurplusHugepages); n > 0 && _free.Count > 0; n--)
            FreeSurplus();
    }

    /// <summary>
    /// Takes a free page with one reference, consuming a reservation when <paramref name="reserved"/>
    /// (the page then carries <see cref="PageFlags.HugetlbRestoreReserve"/> until it is used); 0 when
    /// none may be taken. The page's contents are whatever its last user left.
    /// </summary>
    /// Kernel: alloc_hugetlb_folio() -> dequeue_hugetlb_folio_vma() (available_huge_pages()), folio_set_hugetlb_restore_reserve().
    public ulong Dequeue(bool reserved)
    {
        // A mapping with a reservation may take any free page; others only what nobody reserved,
        // as the kernel counts it: an unsigned difference, which is not zero either when more is
        // reserved than is free (a reservation restored as its page went back as surplus).
        if (_free.Count == 0 || (!reserved && FreeHugepages == (ulong)ResvHugepages))
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
    /// Kernel: free_huge_folio() -> enqueue_hugetlb_folio(), or update_and_free_hugetlb_folio() for a surplus page.
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
        if (SurplusHugepages > 0)
            FreeSurplus();
    }
}
