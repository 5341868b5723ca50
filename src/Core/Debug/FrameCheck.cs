using Pluggable.Core.Mm;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Debug;

/// <summary>A frame whose state contradicts the census: its head, its order, and what is wrong.</summary>
internal readonly record struct FrameProblem(ulong Head, int Order, string What);

/// <summary>
/// What the frames say about each pool (by index in <see cref="HugetlbPools.All"/>): its pages, the
/// free ones, and the used ones that carry a reservation back to it (HPG_restore_reserve).
/// </summary>
internal readonly record struct PoolTally(ulong[] Pages, ulong[] Free, ulong[] Carried)
{
    public PoolTally(int pools)
        : this(new ulong[pools], new ulong[pools], new ulong[pools])
    {
    }

    public void Clear()
    {
        Array.Clear(Pages);
        Array.Clear(Free);
        Array.Clear(Carried);
    }
}

/// <summary>
/// Visits every frame in use, folio by folio (free blocks are skipped whole), and compares its
/// descriptor with the census: a page table is linked once; a free hugetlb page is referenced by
/// nothing; any other folio's reference count, pin count, entire map count and each page's map
/// count equal what the census found; an exclusive anonymous page is mapped at most once. The
/// frames in use must add up to the allocator's count, and nothing the census counted may be free.
/// </summary>
/// Kernel: VM_BUG_ON_FOLIO() / dump_page() (mm/debug.c), and at teardown the bad_page() checks of
/// free_pages_prepare() (mm/page_alloc.c).
internal static class FrameCheck
{
    public static FrameProblem? Find(MemorySystem system, ReferenceCensus census, in PoolTally pools)
    {
        var memory = system.Memory;
        long used = 0;
        int matched = 0;
        for (ulong pfn = PhysicalMemory.SectionFrames; pfn < memory.FrameLimit;)
        {
            ref var d = ref memory[pfn];
            if ((d.Flags & PageFlags.Buddy) != 0)
            {
                pfn += 1UL << d.Order;
                continue;
            }
            if (IsFree(d))
            {
                pfn++;
                continue;
            }
            if ((d.Flags & PageFlags.Tail) != 0)
                return new FrameProblem(pfn, 0, $"is a tail of folio 0x{d.Link:x} found outside it");
            int order = (d.Flags & PageFlags.Head) != 0 ? d.Order : 0;
            var problem = Folio(system, census, pfn, order, ref matched, pools);
            if (problem is not null)
                return problem;
            used += 1L << order;
            pfn += 1UL << order;
        }
        if (used != memory.AllocatedFrames)
            return new FrameProblem(0, 0, $"the allocator counts {memory.AllocatedFrames} frames in use, the frames say {used}");
        if (matched != census.Count)
            return Unvisited(system, census);
        return null;
    }

    /// <summary>A descriptor nobody has touched since it was freed (or never used): all zero.</summary>
    private static bool IsFree(in PageDescriptor d) =>
        d.Flags == PageFlags.None && d.RefCount == 0 && d.MapCount == 0 && d.PinCount == 0 && d.Order == 0 && d.Link == 0;

    private static FrameProblem? Folio(MemorySystem system, ReferenceCensus census, ulong head, int order, ref int matched, in PoolTally pools)
    {
        var memory = system.Memory;
        ref var d = ref memory[head];
        bool hasExpected = census.TryGet(head, out var e);
        if (hasExpected)
            matched++;
        if (system.Zero.IsZero(head))
            return hasExpected || d.RefCount != 1 || d.MapCount != 0 ? Wrong(head, order, d, "is a zero page, which nothing counts") : null;
        if ((d.Flags & PageFlags.PageTable) != 0)
        {
            if (e.Links != 1 || d.RefCount != 1 || d.MapCount != 0 || e.Refs != 0 || e.Maps != 0)
                return Wrong(head, order, d, $"is a page table linked {e.Links} times (expected once, refcount 1, never mapped)");
            return null;
        }
        bool cached = (d.Flags & PageFlags.PageCache) != 0;
        if (cached != (e.CacheRefs > 0) || (cached && (d.Flags & PageFlags.Anon) != 0))
            return Wrong(head, order, d, $"is{(cached ? "" : " not")} marked as page cache, and {e.CacheRefs} page-cache slots hold it");
        if ((d.Flags & PageFlags.Hugetlb) != 0)
            return Hugetlb(system, head, order, d, e, pools);

        // The huge zero folio keeps the reference it was allocated with; small folios count pins in
        // their refcount, large ones in their pincount too.
        long baseRefs = system.HugeZero.Contains(head) ? 1 : 0;
        long pins = order > 0 ? e.Pins : 0;
        if (d.RefCount != e.Refs + baseRefs || d.PinCount != pins || d.EntireMapCount != e.EntireMaps)
        {
            return Wrong(head, order, d,
                $"refcount {d.RefCount}, expected {e.Refs + baseRefs}; pincount {d.PinCount}, expected {pins}; entire mapcount {d.EntireMapCount}, expected {e.EntireMaps}");
        }
        for (ulong i = 0; i < 1UL << order; i++)
        {
            ulong pfn = head + i;
            long maps = e.EntireMaps;
            if (i == 0)
            {
                maps += e.Maps;
            }
            else if (e.TailMaps > 0 && census.TryGet(pfn, out var page))
            {
                maps += page.Maps;
                matched++;
            }
            ref var p = ref memory[pfn];
            if (i > 0 && ((p.Flags & PageFlags.Tail) == 0 || p.Link != head))
                return Wrong(head, order, d, $"page 0x{pfn:x} is not a tail of the folio (flags {p.Flags}, head 0x{p.Link:x})");
            if (p.MapCount != maps)
                return Wrong(head, order, d, $"page 0x{pfn:x} has mapcount {p.MapCount}, expected {maps}");
            if ((p.Flags & PageFlags.AnonExclusive) != 0 && maps > 1)
                return Wrong(head, order, d, $"page 0x{pfn:x} is anon-exclusive but mapped {maps} times");
        }
        return null;
    }

    /// <summary>
    /// A pool page: free ones (refcount 0) are referenced by nothing; used ones keep their counts on
    /// the head. Counted per pool for the pool's own totals, with the used pages that will give a
    /// reservation back when freed.
    /// </summary>
    private static FrameProblem? Hugetlb(MemorySystem system, ulong head, int order, in PageDescriptor d, in Expected e, in PoolTally pools)
    {
        int pool = PoolIndex(system, order);
        if (pool < 0)
            return Wrong(head, order, d, "is a hugetlb folio of a size no pool has");
        pools.Pages[pool]++;
        if ((d.Flags & PageFlags.HugetlbRestoreReserve) != 0)
            pools.Carried[pool]++;
        if (d.RefCount == 0)
        {
            pools.Free[pool]++;
            if (d.Flags != (PageFlags.Head | PageFlags.Hugetlb) || d.MapCount != 0 || d.PinCount != 0 || e.Refs != 0 || e.Maps != 0)
                return Wrong(head, order, d, $"is free in its pool but counted {e.Refs} references and {e.Maps} mappings");
        }
        else if (d.RefCount != e.Refs || d.MapCount != e.Maps || d.PinCount != e.Pins)
        {
            return Wrong(head, order, d, $"refcount {d.RefCount}, expected {e.Refs}; mapcount {d.MapCount}, expected {e.Maps}; pincount {d.PinCount}, expected {e.Pins}");
        }
        else if ((d.Flags & PageFlags.AnonExclusive) != 0 && e.Maps > 1)
        {
            return Wrong(head, order, d, $"is anon-exclusive but mapped {e.Maps} times");
        }
        return null;
    }

    private static int PoolIndex(MemorySystem system, int order)
    {
        var pools = system.Hugetlb.All;
        for (int i = 0; i < pools.Count; i++)
            if (pools[i].Order == order)
                return i;
        return -1;
    }

    /// <summary>
    /// Something the census counted was not checked: a frame that is free (a reference to freed
    /// memory), or a subpage of a folio that keeps its counts on its head (a zero page block, a page
    /// table, a hugetlb folio), mapped or referenced on its own.
    /// </summary>
    private static FrameProblem Unvisited(MemorySystem system, ReferenceCensus census)
    {
        var memory = system.Memory;
        foreach (ulong pfn in census.Frames)
        {
            if (!memory.IsValid(pfn))
                return new FrameProblem(pfn, 0, "is counted but is no frame");
            ulong head = memory.HeadOf(pfn);
            ref var d = ref memory[head];
            if ((d.Flags & PageFlags.Buddy) != 0 || IsFree(d))
                return new FrameProblem(pfn, 0, "is referenced but free");
            if (pfn != head && (d.Flags & (PageFlags.Hugetlb | PageFlags.PageTable | PageFlags.Reserved)) != 0)
                return new FrameProblem(head, d.Order, $"page 0x{pfn:x} is counted on its own, but its folio ({d.Flags}) keeps its counts on the head");
        }
        return new FrameProblem(0, 0, "a counted frame was not visited");
    }

    private static FrameProblem Wrong(ulong head, int order, in PageDescriptor d, string what) =>
        new(head, order, $"(refcount {d.RefCount}, mapcount {d.MapCount}, pincount {d.PinCount}, flags {d.Flags}): {what}");
}
