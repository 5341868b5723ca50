using Pluggable.Core.Debug;
using Pluggable.Core.Gup;
using Pluggable.Core.Mm;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The pins <c>gup ... pin</c> took and <c>unpin</c> gives back, as the caller's pages arrays would
/// hold them: runs of pages at consecutive addresses, newest last. <c>unpin</c> releases, for each
/// page, the newest pin at that address. Kept as runs so that a pin of many pages (of the zero
/// page, say) costs a few entries, not one per page.
/// </summary>
/// Kernel: what a pin_user_pages() caller keeps until unpin_user_pages().
public sealed class PinnedPages
{
    private readonly List<PinRun> _runs = [];

    /// <summary>Pins the pages of one call, the first at <paramref name="address"/>.</summary>
    public void Add(int process, ulong address, PageRuns pages, int pageShift)
    {
        ulong at = address;
        foreach (var run in pages.Runs)
        {
            _runs.Add(new PinRun(process, at, run));
            at += run.Count << pageShift;
        }
    }

    /// <summary>
    /// Unpins <paramref name="pages"/> pages from <paramref name="address"/>; EINVAL, with nothing
    /// released, when one of them holds no pin.
    /// </summary>
    public Errno Release(MemorySystem system, int process, ulong address, ulong pages)
    {
        int shift = system.PageShift;
        if (pages > (ulong.MaxValue - address) >> shift)
            return Errno.EINVAL;
        ulong end = address + (pages << shift);
        for (ulong at = address; at < end;)
        {
            int newest = NewestCovering(process, at, shift, end, out ulong segmentEnd);
            if (newest < 0)
                return Errno.EINVAL;
            at = segmentEnd;
        }
        for (ulong at = address; at < end;)
        {
            int newest = NewestCovering(process, at, shift, end, out ulong segmentEnd);
            Unpin(system, newest, at, segmentEnd, shift);
            at = segmentEnd;
        }
        return Errno.None;
    }

    /// <summary>Every pin goes (the processes exit).</summary>
    public void ReleaseAll(MemorySystem system)
    {
        foreach (var pin in _runs)
            ReleasePages(system, pin.Pages, 0, pin.Pages.Count);
        _runs.Clear();
    }

    /// <summary>The pins <paramref name="process"/>'s calls took go: it exits (the OOM killer chose it).</summary>
    public void ReleaseProcess(MemorySystem system, int process)
    {
        foreach (var pin in _runs)
        {
            if (pin.Process == process)
                ReleasePages(system, pin.Pages, 0, pin.Pages.Count);
        }
        _runs.RemoveAll(pin => pin.Process == process);
    }

    /// <summary>Tells the consistency checker about every pin held.</summary>
    public void Report(ReferenceCensus census)
    {
        foreach (var pin in _runs)
        {
            if (census.Ignores(pin.Pages.First) && pin.Pages.Repeats)
                continue;
            for (ulong i = 0; i < pin.Pages.Count; i++)
                census.Pin(pin.Pages.PfnAt(i), new Holder(HolderKind.Pin, pin.Process, pin.Address + (i << census.PageShift)));
        }
    }

    /// <summary>
    /// The newest run of <paramref name="process"/> covering <paramref name="at"/> (-1 when none),
    /// and where the stretch from <paramref name="at"/> that the same run is newest for ends.
    /// </summary>
    private int NewestCovering(int process, ulong at, int shift, ulong end, out ulong segmentEnd)
    {
        segmentEnd = end;
        int found = -1;
        for (int i = _runs.Count - 1; i >= 0; i--)
        {
            var run = _runs[i];
            if (run.Process != process)
                continue;
            ulong runEnd = run.Address + (run.Pages.Count << shift);
            if (run.Address <= at && at < runEnd)
            {
                found = i;
                segmentEnd = Math.Min(segmentEnd, runEnd);
                break;
            }
            if (run.Address > at)
                segmentEnd = Math.Min(segmentEnd, run.Address);
        }
        return found;
    }

    /// <summary>Releases [from, to) of run <paramref name="index"/>, leaving the parts around it in its place.</summary>
    private void Unpin(MemorySystem system, int index, ulong from, ulong to, int shift)
    {
        var run = _runs[index];
        ulong first = (from - run.Address) >> shift, last = (to - run.Address) >> shift;
        ReleasePages(system, run.Pages, first, last);
        _runs.RemoveAt(index);
        if (last < run.Pages.Count)
            _runs.Insert(index, new PinRun(run.Process, to, Part(run.Pages, last, run.Pages.Count - last)));
        if (first > 0)
            _runs.Insert(index, new PinRun(run.Process, run.Address, Part(run.Pages, 0, first)));
    }

    private static PageRun Part(in PageRun pages, ulong first, ulong count) => new(pages.PfnAt(first), count, pages.Repeats);

    private static void ReleasePages(MemorySystem system, in PageRun pages, ulong first, ulong last)
    {
        if (pages.Repeats && system.Zero.IsZero(pages.First))
            return;
        for (ulong i = first; i < last; i++)
            PinCounting.Release(system, pages.PfnAt(i), GupFlags.Pin);
    }

    private readonly record struct PinRun(int Process, ulong Address, PageRun Pages);
}
