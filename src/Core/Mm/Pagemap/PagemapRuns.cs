namespace Pluggable.Core.Mm;

/// <summary>Pages in a row with the same pagemap flags.</summary>
public readonly record struct PagemapRun(PagemapFlags Flags, ulong Pages);

/// <summary>What the page frame number field of a pagemap entry holds.</summary>
public enum FrameKind
{
    /// <summary>No frame: nothing mapped, or a swap entry or marker.</summary>
    None,

    /// <summary>The zero page or a subpage of the huge zero page.</summary>
    Zero,

    /// <summary>A frame of its own: <see cref="FrameRun.First"/>, then the next ones.</summary>
    Frame,
}

/// <summary>Pages in a row whose frames are <see cref="First"/>, <see cref="First"/> + 1, ... (for <see cref="FrameKind.Frame"/>).</summary>
public readonly record struct FrameRun(FrameKind Kind, ulong First, ulong Pages);

/// <summary>
/// A pagemap answer as runs of equal neighbours, built as the range is read: what it costs is what
/// is printed, never one entry per page of the range. The frames are kept beside the flags, as runs
/// of consecutive frames, for the <c>frames</c> command.
/// </summary>
public sealed class PagemapRuns
{
    private readonly List<PagemapRun> _runs = [];
    private readonly List<FrameRun> _frames = [];

    public IReadOnlyList<PagemapRun> Runs => _runs;

    public IReadOnlyList<FrameRun> Frames => _frames;

    /// <summary>Pages reported in all.</summary>
    public ulong Pages { get; private set; }

    /// <summary>Pages without a frame of their own (empty, swap, or the zero page when <paramref name="flags"/> say so).</summary>
    public void Add(PagemapFlags flags, ulong pages) => Add(flags, pages, 0);

    /// <param name="firstPfn">The frame of the first page; the others follow it (a huge page's subpages).</param>
    public void Add(PagemapFlags flags, ulong pages, ulong firstPfn)
    {
        if (pages == 0)
            return;
        Pages += pages;
        if (_runs.Count > 0 && _runs[^1].Flags == flags)
            _runs[^1] = new PagemapRun(flags, _runs[^1].Pages + pages);
        else
            _runs.Add(new PagemapRun(flags, pages));
        var kind = (flags & PagemapFlags.Zero) != 0 ? FrameKind.Zero
            : (flags & PagemapFlags.Present) != 0 && firstPfn != 0 ? FrameKind.Frame
            : FrameKind.None;
        ulong first = kind == FrameKind.Frame ? firstPfn : 0;
        if (_frames.Count > 0 && _frames[^1] is var last && last.Kind == kind && (kind != FrameKind.Frame || last.First + last.Pages == first))
            _frames[^1] = last with { Pages = last.Pages + pages };
        else
            _frames.Add(new FrameRun(kind, first, pages));
    }

    public static PagemapRuns From(ReadOnlySpan<PagemapFlags> pages)
    {
        var runs = new PagemapRuns();
        foreach (var flags in pages)
            runs.Add(flags, 1);
        return runs;
    }
}
