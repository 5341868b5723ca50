namespace Pluggable.Core.Gup;

/// <summary>
/// The frames a GUP call took, in address order, kept as runs: consecutive frames (the subpages of
/// a huge page) or one frame repeated (the zero page), so that what a call keeps grows with the
/// distinct pages it took, not with the pages it was asked for.
/// </summary>
/// Kernel: the struct page **pages array a get_user_pages caller passes.
public sealed class PageRuns
{
    private readonly List<PageRun> _runs = [];

    /// <summary>Pages taken.</summary>
    public ulong Count { get; private set; }

    public IReadOnlyList<PageRun> Runs => _runs;

    public void Add(ulong pfn)
    {
        Count++;
        if (_runs.Count > 0)
        {
            var last = _runs[^1];
            if (last.Count == 1 && (pfn == last.First || pfn == last.First + 1))
            {
                _runs[^1] = new PageRun(last.First, 2, Repeats: pfn == last.First);
                return;
            }
            if (last.Count > 1 && pfn == last.PfnAt(last.Count))
            {
                _runs[^1] = last with { Count = last.Count + 1 };
                return;
            }
        }
        _runs.Add(new PageRun(pfn, 1, Repeats: false));
    }

    public void Clear()
    {
        _runs.Clear();
        Count = 0;
    }
}

/// <summary><see cref="Count"/> pages from <see cref="First"/>: the same frame each time when <see cref="Repeats"/>, else consecutive frames.</summary>
public readonly record struct PageRun(ulong First, ulong Count, bool Repeats)
{
    public ulong PfnAt(ulong index) => Repeats ? First : First + index;
}
