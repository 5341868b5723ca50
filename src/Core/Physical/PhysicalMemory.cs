using System.Runtime.InteropServices;

namespace Pluggable.Core.Physical;

/// <summary>
/// Frames and their descriptors. Memory comes in sections of 512 frames, each one zeroed native
/// block (so it is only backed once written); a frame is an index, never an object. Orders below
/// the section order are served by a buddy allocator inside sections; larger orders (1 GiB hugetlb
/// pages) take fresh runs of consecutive sections. Section 0 is never backed, so pfn 0 is never a
/// valid frame.
/// </summary>
/// Kernel: mm/page_alloc.c (the buddy allocator), mem_map / sparse sections.
public sealed unsafe class PhysicalMemory : IDisposable
{
    public const int SectionOrder = 9;
    public const int SectionFrames = 1 << SectionOrder;
    private const ulong NoFrame = 0;

    private readonly List<nint> _sectionBase = [0];
    private readonly List<PageDescriptor[]> _descriptors = [new PageDescriptor[SectionFrames]];
    private readonly List<bool> _ownsBlock = [false];
    private readonly ulong[] _freeHead = new ulong[SectionOrder + 1];
    private readonly Dictionary<int, Stack<ulong>> _freeLarge = [];

    public PhysicalMemory(int pageShift)
    {
        PageShift = pageShift;
        PageSize = 1 << pageShift;
    }

    public int PageShift { get; }
    public int PageSize { get; }

    /// <summary>Frames handed out and not yet freed.</summary>
    public long UsedFrames { get; private set; }

    public ulong FrameLimit => (ulong)_sectionBase.Count * SectionFrames;

    public ref PageDescriptor this[ulong pfn] => ref _descriptors[(int)(pfn >> SectionOrder)][(int)(pfn & (SectionFrames - 1))];

    public bool IsValid(ulong pfn) => pfn >= SectionFrames && pfn < FrameLimit;

    /// <summary>The frame's bytes.</summary>
    public Span<byte> Data(ulong pfn) => new((void*)Address(pfn), PageSize);

    public Span<byte> Data(ulong pfn, int order) => new((void*)Address(pfn), PageSize << order);

    public nint Address(ulong pfn) => _sectionBase[(int)(pfn >> SectionOrder)] + (nint)((long)(pfn & (SectionFrames - 1)) << PageShift);

    /// <summary>Allocates 2^order contiguous frames with refcount 1. <paramref name="zero"/> clears recycled frames.</summary>
    /// Kernel: alloc_pages() / folio_alloc().
    public ulong Allocate(int order, bool zero)
    {
        ulong pfn = order <= SectionOrder ? AllocateSmall(order) : AllocateLarge(order);
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
        UsedFrames += 1L << order;
        return pfn;
    }

    /// <summary>Returns a block to the allocator; its frames' contents become garbage.</summary>
    /// Kernel: __free_pages().
    public void Free(ulong pfn, int order)
    {
        UsedFrames -= 1L << order;
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
            pfn = AddSections(1);
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
    /// A block of several sections must start on a multiple of its own size, as a huge page's
    /// frame must: the sections skipped to get there become ordinary free memory.
    /// </summary>
    private ulong AllocateLarge(int order)
    {
        if (_freeLarge.TryGetValue(order, out var stack) && stack.Count > 0)
            return stack.Pop();
        int sections = 1 << (order - SectionOrder);
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
