using System.Runtime.InteropServices;

namespace Pluggable.Core.Physical;

/// <summary>
/// The machine's RAM: frames and their descriptors. Memory comes in sections of 512 frames, each one
/// zeroed native block (so it is only backed once written), made as they are first needed; a frame
/// is an index, never an object. Orders below the section order are served by a buddy allocator
/// inside sections; larger orders (1 GiB hugetlb pages) take fresh runs of consecutive sections,
/// and such a run, once freed, is split into sections for smaller orders when no section is left to make.
/// Section 0 is never backed, so pfn 0 is never a valid frame.
/// <para>
/// The machine has <see cref="TotalFrames"/> frames (MemTotal). Kernel objects that are not frames
/// here (VMAs) are charged by their size, as the slab's pages would be. An allocation that may fail
/// (<see cref="TryAllocate"/>: huge pages, THP, pool growth) fails when it does not fit; one the
/// kernel backs with the OOM killer (<see cref="Allocate"/>: pages of faults, page cache, page
/// tables) always succeeds, and the OOM killer takes the excess back at the caller's next
/// checkpoint (Mm.OomKiller). Beyond a small reserve past the machine's size even those fail: a
/// loop that allocates without a checkpoint is a broken invariant, and the memory this process
/// holds never grows past the machine's size plus that reserve.
/// </para>
/// </summary>
/// Kernel: mm/page_alloc.c (the buddy allocator), mem_map / sparse sections, totalram_pages().
public sealed unsafe class PhysicalMemory : IDisposable
{
    public const int SectionOrder = 9;
    public const int SectionFrames = 1 << SectionOrder;
    private const ulong NoFrame = 0;

    /// <summary>The least memory a machine may have: what one section holds.</summary>
    public const int MinimumFrames = SectionFrames;

    private readonly List<nint> _sectionBase = [0];
    private readonly List<PageDescriptor[]> _descriptors = [new PageDescriptor[SectionFrames]];
    private readonly List<bool> _ownsBlock = [false];
    private readonly ulong[] _freeHead = new ulong[SectionOrder + 1];
    private readonly Dictionary<int, Stack<ulong>> _freeLarge = [];
    private readonly long _ceilingFrames;
    private readonly int _maxSections;
    private long _frames;
    private long _kernelBytes;

    /// <param name="memoryBytes">The machine's RAM; at least <see cref="MinimumFrames"/> pages.</param>
    public PhysicalMemory(int pageShift, ulong memoryBytes)
    {
        PageShift = pageShift;
        PageSize = 1 << pageShift;
        if (memoryBytes >> pageShift < MinimumFrames)
            throw new ArgumentOutOfRangeException(nameof(memoryBytes), memoryBytes,
                $"the machine needs at least {MinimumFrames} pages of {PageSize} bytes of memory");
        TotalFrames = (long)Math.Min(memoryBytes >> pageShift, (ulong)int.MaxValue * SectionFrames / 2);
        _ceilingFrames = TotalFrames + Math.Max(TotalFrames / 16, 4 * SectionFrames);
        _maxSections = (int)((_ceilingFrames + SectionFrames - 1) / SectionFrames) + 1;
    }

    public int PageShift { get; }
    public int PageSize { get; }

    /// <summary>The machine's memory in frames (MemTotal).</summary>
    public long TotalFrames { get; }

    /// <summary>Frames handed out and not yet freed (each has a descriptor in use).</summary>
    public long AllocatedFrames => _frames;

    /// <summary><see cref="AllocatedFrames"/> plus the pages the charged kernel objects fill.</summary>
    public long UsedFrames => _frames + (_kernelBytes + PageSize - 1) / PageSize;

    /// <summary>What is left of the machine's memory; negative while the OOM killer has work to do.</summary>
    public long FreeFrames => TotalFrames - UsedFrames;

    /// <summary>More is used than the machine has: the OOM killer must act.</summary>
    public bool Exhausted => UsedFrames > TotalFrames;

    /// <summary>Frames in the sections made so far: what this process may have touched.</summary>
    public long BackedFrames => (long)(_sectionBase.Count - 1) * SectionFrames;

    public ulong FrameLimit => (ulong)_sectionBase.Count * SectionFrames;

    public ref PageDescriptor this[ulong pfn] => ref _descriptors[(int)(pfn >> SectionOrder)][(int)(pfn & (SectionFrames - 1))];

    public bool IsValid(ulong pfn) => pfn >= SectionFrames && pfn < FrameLimit;

    /// <summary>The frame's bytes.</summary>
    public Span<byte> Data(ulong pfn) => new((void*)Address(pfn), PageSize);

    public Span<byte> Data(ulong pfn, int order) => new((void*)Address(pfn), PageSize << order);

    public nint Address(ulong pfn) => _sectionBase[(int)(pfn >> SectionOrder)] + (nint)((long)(pfn & (SectionFrames - 1)) << PageShift);

    /// <summary>
    /// Allocates 2^order contiguous frames with refcount 1, past the machine's size if need be (the
    /// OOM killer then runs at the caller's next checkpoint). <paramref name="zero"/> clears recycled frames.
    /// </summary>
    /// <exception cref="InvalidOperationException">Even the reserve past the machine's size is used up.</exception>
    /// Kernel: alloc_pages() / folio_alloc() with a GFP mask that may invoke the OOM killer.
    public ulong Allocate(int order, bool zero)
    {
        long count = 1L << order;
        if (UsedFrames + count > _ceilingFrames)
            throw Exhaustion(count);
        ulong pfn = Take(order);
        if (pfn == NoFrame)
            throw Exhaustion(count);
        return Prepare(pfn, order, zero);
    }

    /// <summary>
    /// Allocates 2^order contiguous frames if they fit in what is left of the machine's memory;
    /// false, with nobody killed, when they do not (or when no such block is free).
    /// </summary>
    /// Kernel: alloc_pages() with __GFP_NORETRY / __GFP_RETRY_MAYFAIL or a costly order, which never invokes the OOM killer.
    public bool TryAllocate(int order, bool zero, out ulong pfn)
    {
        pfn = NoFrame;
        if (UsedFrames + (1L << order) > TotalFrames)
            return false;
        pfn = Take(order);
        if (pfn == NoFrame)
            return false;
        Prepare(pfn, order, zero);
        return true;
    }

    /// <summary>Charges the memory of a kernel object kept outside the frames (a VMA).</summary>
    /// Kernel: kmem_cache_alloc() of the object's slab cache.
    public void ChargeKernel(long bytes)
    {
        _kernelBytes += bytes;
        if (UsedFrames > _ceilingFrames)
            throw Exhaustion(0);
    }

    /// <summary>Kernel: kmem_cache_free().</summary>
    public void UnchargeKernel(long bytes)
    {
        _kernelBytes -= bytes;
        if (_kernelBytes < 0)
            throw new InvalidOperationException($"BUG: kernel objects uncharged below zero ({_kernelBytes} bytes)");
    }

    private InvalidOperationException Exhaustion(long count) => new(
        $"BUG: an allocation of {count} page(s) would take the emulated machine past its memory ({TotalFrames} pages) " +
        $"and its reserve ({_ceilingFrames - TotalFrames} pages): a loop allocates without an OOM checkpoint");

    private ulong Take(int order) => order <= SectionOrder ? AllocateSmall(order) : AllocateLarge(order);

    private ulong Prepare(ulong pfn, int order, bool zero)
    {
        ref var head = ref this[pfn];
        head = default;
        head.RefCount = 1;
        head.Order = (byte)order;
        if (order > 0)
        {
            head.Flags = PageFlags.Head;
            for (ulong i = 1; i < 1UL << order; i++)
            {
                ref var tail = ref this[pfn + i];
                tail = default;
                tail.Flags = PageFlags.Tail;
                tail.Link = pfn;
            }
        }
        if (zero)
            Data(pfn, order).Clear();
        _frames += 1L << order;
        return pfn;
    }

    /// <summary>Returns a block to the allocator; its frames' contents become garbage.</summary>
    /// Kernel: __free_pages().
    public void Free(ulong pfn, int order)
    {
        _frames -= 1L << order;
        if (order > SectionOrder)
        {
            for (ulong i = 0; i < 1UL << order; i++)
                this[pfn + i] = default;
            if (!_freeLarge.TryGetValue(order, out var stack))
                _freeLarge[order] = stack = new Stack<ulong>();
            stack.Push(pfn);
            return;
        }
        for (ulong i = 1; i < 1UL << order; i++)
            this[pfn + i] = default;
        while (order < SectionOrder)
        {
            ulong buddy = pfn ^ (1UL << order);
            ref var b = ref this[buddy];
            if ((b.Flags & PageFlags.Buddy) == 0 || b.Order != order)
                break;
            Unlink(buddy, order);
            this[buddy] = default;
            pfn = Math.Min(pfn, buddy);
            order++;
        }
        Push(pfn, order);
    }

    /// <summary>Head pfn of the folio containing <paramref name="pfn"/>.</summary>
    /// Kernel: page_folio() / compound_head().
    public ulong HeadOf(ulong pfn)
    {
        ref var d = ref this[pfn];
        return (d.Flags & PageFlags.Tail) != 0 ? d.Link : pfn;
    }

    private ulong AllocateSmall(int order)
    {
        int found = order;
        while (found <= SectionOrder && _freeHead[found] == NoFrame)
            found++;
        ulong pfn;
        if (found > SectionOrder)
        {
            if (_sectionBase.Count + 1 <= _maxSections)
                pfn = AddSections(1);
            else if ((pfn = TakeFreeLarge()) == NoFrame)
                return NoFrame;
            found = SectionOrder;
        }
        else
        {
            pfn = _freeHead[found];
            Unlink(pfn, found);
        }
        this[pfn] = default;
        while (found > order)
        {
            found--;
            Push(pfn + (1UL << found), found);
        }
        return pfn;
    }

    /// <summary>
    /// Once every section the machine may have is made, a free block of several sections (a 1 GiB
    /// or, on large granules, a 32 MiB huge page given back by a shrinking pool) is broken into
    /// sections for smaller orders; returns the first of them, the rest go to the free lists.
    /// </summary>
    /// Kernel: __rmqueue_smallest() -> expand(), which splits any larger free block.
    private ulong TakeFreeLarge()
    {
        foreach (var (order, stack) in _freeLarge)
        {
            if (stack.Count == 0)
                continue;
            ulong block = stack.Pop();
            for (ulong s = 1; s < 1UL << (order - SectionOrder); s++)
                Push(block + s * SectionFrames, SectionOrder);
            return block;
        }
        return NoFrame;
    }

    /// <summary>
    /// A block of several sections must start on a multiple of its own size, as a huge page's
    /// frame must: the sections skipped to get there become ordinary free memory.
    /// </summary>
    private ulong AllocateLarge(int order)
    {
        if (_freeLarge.TryGetValue(order, out var stack) && stack.Count > 0)
            return stack.Pop();
        int sections = 1 << (order - SectionOrder);
        int aligned = (_sectionBase.Count + sections - 1) / sections * sections;
        if (aligned + sections > _maxSections)
            return NoFrame;
        while (_sectionBase.Count % sections != 0)
            Push(AddSections(1), SectionOrder);
        return AddSections(sections);
    }

    private ulong AddSections(int count)
    {
        long bytes = (long)count * SectionFrames * PageSize;
        nint block = (nint)NativeMemory.AllocZeroed((nuint)bytes);
        ulong first = (ulong)_sectionBase.Count * SectionFrames;
        for (int i = 0; i < count; i++)
        {
            _sectionBase.Add(block + (nint)((long)i * SectionFrames * PageSize));
            _descriptors.Add(new PageDescriptor[SectionFrames]);
            _ownsBlock.Add(i == 0);
        }
        return first;
    }

    private void Push(ulong pfn, int order)
    {
        ref var d = ref this[pfn];
        d = default;
        d.Flags = PageFlags.Buddy;
        d.Order = (byte)order;
        d.Link = _freeHead[order];
        d.Prev = NoFrame;
        if (d.Link != NoFrame)
            this[d.Link].Prev = pfn;
        _freeHead[order] = pfn;
    }

    private void Unlink(ulong pfn, int order)
    {
        ref var d = ref this[pfn];
        if (d.Prev != NoFrame)
            this[d.Prev].Link = d.Link;
        else
            _freeHead[order] = d.Link;
        if (d.Link != NoFrame)
            this[d.Link].Prev = d.Prev;
        d.Flags &= ~PageFlags.Buddy;
    }

    public void Dispose()
    {
        for (int i = 0; i < _sectionBase.Count; i++)
        {
            if (_ownsBlock[i])
                NativeMemory.Free((void*)_sectionBase[i]);
        }
        _sectionBase.Clear();
        _descriptors.Clear();
        _ownsBlock.Clear();
    }
}
