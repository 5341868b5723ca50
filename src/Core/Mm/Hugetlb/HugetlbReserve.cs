using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// Reservations: mmap promises pool pages to the range it maps, faults consume the promise, and
/// closing a private mapping or punching a hole in a file returns what was not used. A fault
/// without a reservation takes an unreserved free page, if any.
/// </summary>
/// Kernel: hugetlb_reserve_pages(), vma_needs_reservation()/vma_commit_reservation(),
/// alloc_hugetlb_folio(), hugetlb_vm_op_close(), hugetlb_unreserve_pages() (mm/hugetlb.c).
public static class HugetlbReserve
{
    /// <summary>Reserves the huge pages [first, last) of a new mapping; ENOMEM when the pool cannot promise them.</summary>
    public static Errno ForMapping(HugetlbPool pool, MemoryFile file, bool shared, ulong first, ulong last, out HugetlbResvMap? privateMap)
    {
        privateMap = null;
        if (shared)
        {
            var map = file.HugeResv ??= new HugetlbResvMap();
            ulong needed = (last - first) - map.CountIn(first, last);
            if (!pool.Reserve(needed))
                return Errno.ENOMEM;
            for (ulong i = first; i < last; i++)
                map.Add(i);
            return Errno.None;
        }
        if (!pool.Reserve(last - first))
            return Errno.ENOMEM;
        privateMap = new HugetlbResvMap();
        return Errno.None;
    }

    /// <summary>
    /// Takes a page for <paramref name="index"/> of the VMA, using its reservation when one is
    /// outstanding; 0 when the pool has nothing to give.
    /// </summary>
    /// Kernel: alloc_hugetlb_folio().
    public static ulong AllocFolio(MemorySystem system, Vma vma, ulong index)
    {
        var pool = Hugetlb.PoolOf(system, vma);
        var map = vma.IsShared ? vma.File!.HugeResv : vma.HugetlbResv;
        bool reserved = map is not null && map.Contains(index) == vma.IsShared;
        ulong pfn = pool.Dequeue(reserved);
        if (pfn == 0)
            return 0;
        if (map is not null)
            map.Add(index);
        else if (vma.IsShared)
            (vma.File!.HugeResv = new HugetlbResvMap()).Add(index);
        return pfn;
    }

    /// <summary>
    /// Takes back what <see cref="AllocFolio"/> wrote in the reservation map for a page that will not
    /// be used; the pool's count comes back when the page is freed, if it took a reservation
    /// (<see cref="HugetlbPool.Release"/>). Call before dropping the page.
    /// </summary>
    /// Kernel: restore_reserve_on_error().
    public static void RestoreOnError(MemorySystem system, Vma vma, ulong index, ulong pfn)
    {
        bool reserved = (system.Memory[pfn].Flags & PageFlags.HugetlbRestoreReserve) != 0;
        if (vma.IsShared)
        {
            // A page taken without a reservation created the map entry itself.
            if (!reserved)
                vma.File!.HugeResv?.Remove(index);
        }
        else if (reserved)
        {
            vma.HugetlbResv?.Remove(index);
        }
    }

    /// <summary>
    /// A page to hold a copy's source while the caller may sleep: a free page nobody reserved, else a
    /// fresh one from outside the pool (not for sizes beyond the buddy allocator's largest order); 0
    /// when there is none. It never takes a reservation.
    /// </summary>
    /// Kernel: alloc_hugetlb_folio_vma() -> alloc_hugetlb_folio_nodemask(), alloc_migrate_hugetlb_folio().
    public static ulong AllocTemporary(MemorySystem system, HugetlbPool pool)
    {
        ulong pfn = pool.Dequeue(reserved: false);
        if (pfn != 0 || pool.Order > PhysicalMemory.SectionOrder)
            return pfn;
        return system.Memory.Allocate(pool.Order, zero: false);
    }

    /// <summary>
    /// A hole punch forgets the reservations of the pages it removes: each was used by its page,
    /// so the pool's count does not change. An index without a page keeps its reservation, so a
    /// later fault there still has one. Call before the pages leave the cache.
    /// </summary>
    /// Kernel: remove_inode_single_folio() -> hugetlb_unreserve_pages(inode, index, index + 1, 1).
    public static void ForgetPunched(MemoryFile file, ulong first, ulong last)
    {
        if (file.HugeResv is not { } map)
            return;
        for (ulong i = first; i < last; i++)
        {
            if (file.Cache.Lookup(i) != 0)
                map.Remove(i);
        }
    }

    /// <summary>Returns the unused reservations of a private mapping's part [start, end) as it goes away.</summary>
    /// Kernel: hugetlb_vm_op_close().
    public static void Close(MemorySystem system, Vma vma, ulong start, ulong end)
    {
        if (vma.IsShared || vma.HugetlbResv is not { } map)
            return;
        ulong first = Hugetlb.HugeIndex(system, vma, start), last = Hugetlb.HugeIndex(system, vma, end);
        Hugetlb.PoolOf(system, vma).Unreserve((last - first) - map.CountIn(first, last));
    }

    /// <summary>
    /// Forgets the file's reservations of [first, last), giving back those no page used yet; call
    /// before the pages leave the cache.
    /// </summary>
    /// Kernel: hugetlb_unreserve_pages().
    public static void Unreserve(HugetlbPool pool, MemoryFile file, ulong first, ulong last)
    {
        if (file.HugeResv is not { } map)
            return;
        for (ulong i = first; i < last; i++)
        {
            if (map.Remove(i) && file.Cache.Lookup(i) == 0)
                pool.Unreserve(1);
        }
    }
}
