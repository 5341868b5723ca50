using System.Text;
using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// The text of a <c>frames</c> answer: each page frame gets a name, <c>f1</c>, <c>f2</c>..., the
/// first time a run shows it, and keeps it, so that scripts compare identities ("the same frame as
/// before", "a new frame", "the child's frame is the parent's") and never raw frame numbers, which
/// no two kernels share. Names follow the order frames are first seen (address order within a
/// command), so runners that agree on identities print the same names. Frames are remembered as
/// ranges: a huge page's subpages cost one entry.
/// </summary>
internal sealed class FrameNames
{
    /// <summary>Named frames, sorted by <see cref="Named.Pfn"/>, not overlapping.</summary>
    private readonly List<Named> _named = [];
    private ulong _next = 1;

    public string Format(PagemapRuns runs)
    {
        var text = new StringBuilder();
        var pending = new Token(Kind: FrameKind.None, Name: 0, Pages: 0);
        foreach (var run in runs.Frames)
        {
            if (run.Kind != FrameKind.Frame)
            {
                pending = Emit(text, pending, new Token(run.Kind, 0, run.Pages));
                continue;
            }
            ulong pfn = run.First, left = run.Pages;
            while (left > 0)
            {
                var (name, count) = NameOf(pfn, left);
                pending = Emit(text, pending, new Token(FrameKind.Frame, name, count));
                pfn += count;
                left -= count;
            }
        }
        Flush(text, pending);
        return text.ToString();
    }

    /// <summary>The name of <paramref name="pfn"/> and how many frames from it have consecutive names (at most <paramref name="limit"/>).</summary>
    private (ulong Name, ulong Count) NameOf(ulong pfn, ulong limit)
    {
        int i = _named.BinarySearch(new Named(pfn, 0, 0), ByPfn.Instance);
        if (i < 0)
            i = ~i - 1;
        if (i >= 0 && pfn < _named[i].Pfn + _named[i].Count)
            return (_named[i].Name + (pfn - _named[i].Pfn), Math.Min(limit, _named[i].Pfn + _named[i].Count - pfn));
        // Unnamed up to the next named range: those frames get new names, in order.
        ulong count = limit;
        if (i + 1 < _named.Count)
            count = Math.Min(count, _named[i + 1].Pfn - pfn);
        _named.Insert(i + 1, new Named(pfn, count, _next));
        _next += count;
        return (_named[i + 1].Name, count);
    }

    /// <summary>Adds a token to the pending one where they join (a longer run of the same), else writes the pending one.</summary>
    private static Token Emit(StringBuilder text, Token pending, Token next)
    {
        if (pending.Pages > 0 && pending.Kind == next.Kind &&
            (next.Kind != FrameKind.Frame || pending.Name + pending.Pages == next.Name))
            return pending with { Pages = pending.Pages + next.Pages };
        Flush(text, pending);
        return next;
    }

    private static void Flush(StringBuilder text, Token token)
    {
        if (token.Pages == 0)
            return;
        if (text.Length > 0)
            text.Append(", ");
        switch (token.Kind)
        {
            case FrameKind.Frame:
                text.Append('f').Append(token.Name);
                if (token.Pages > 1)
                    text.Append("..f").Append(token.Name + token.Pages - 1);
                return;
            case FrameKind.Zero:
                text.Append("zero");
                break;
            default:
                text.Append('-');
                break;
        }
        if (token.Pages > 1)
            text.Append(" x").Append(token.Pages);
    }

    private readonly record struct Token(FrameKind Kind, ulong Name, ulong Pages);

    /// <summary><see cref="Count"/> frames from <see cref="Pfn"/>, named <see cref="Name"/>, <see cref="Name"/> + 1, ...</summary>
    private readonly record struct Named(ulong Pfn, ulong Count, ulong Name);

    private sealed class ByPfn : IComparer<Named>
    {
        public static readonly ByPfn Instance = new();

        public int Compare(Named x, Named y) => x.Pfn.CompareTo(y.Pfn);
    }
}
