namespace Pluggable.Core.Mm;

/// <summary>Pages in a row with the same pagemap flags.</summary>
public readonly record struct PagemapRun(PagemapFlags Flags, ulong Pages);

/// <summary>
/// A pagemap answer as runs of equal neighbours, built as the range is read: what it costs is what
/// is printed, never one entry per page of the range.
/// </summary>
public sealed class PagemapRuns
{
    private readonly List<PagemapRun> _runs = [];

    public IReadOnlyList<PagemapRun> Runs => _runs;

    /// <summary>Pages reported in all.</summary>
    public ulong Pages { get; private set; }

    public void Add(PagemapFlags flags, ulong pages)
    {
        if (pages == 0)
            return;
        Pages += pages;
        if (_runs.Count > 0 && _runs[^1].Flags == flags)
            _runs[^1] = new PagemapRun(flags, _runs[^1].Pages + pages);
        else
            _runs.Add(new PagemapRun(flags, pages));
    }

    public static PagemapRuns From(ReadOnlySpan<PagemapFlags> pages)
    {
        var runs = new PagemapRuns();
        foreach (var flags in pages)
            runs.Add(flags, 1);
        return runs;
    }
}
