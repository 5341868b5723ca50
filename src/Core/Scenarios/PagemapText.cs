using System.Text;

using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// The <c>pagemap</c> result: each page's flags joined by <c>+</c> in the order present, zero, swap,
/// file, exclusive, wp, or <c>-</c>; equal neighbours collapse into <c>FLAGS xN</c>; runs joined by <c>, </c>.
/// </summary>
internal static class PagemapText
{
    private static readonly (PagemapFlags Flag, string Name)[] Order =
    [
        (PagemapFlags.Present, "present"),
        (PagemapFlags.Zero, "zero"),
        (PagemapFlags.Swap, "swap"),
        (PagemapFlags.File, "file"),
        (PagemapFlags.Exclusive, "exclusive"),
        (PagemapFlags.Wp, "wp"),
    ];

    public static string Format(PagemapRuns runs)
    {
        var text = new StringBuilder();
        foreach (var run in runs.Runs)
        {
            if (text.Length > 0)
                text.Append(", ");
            AppendFlags(text, run.Flags);
            if (run.Pages > 1)
                text.Append(" x").Append(run.Pages);
        }
        return text.ToString();
    }

    private static void AppendFlags(StringBuilder text, PagemapFlags flags)
    {
        if (flags == PagemapFlags.None)
        {
            text.Append('-');
            return;
        }
        bool first = true;
        foreach (var (flag, name) in Order)
        {
            if ((flags & flag) == 0)
                continue;
            if (!first)
                text.Append('+');
            text.Append(name);
            first = false;
        }
    }
}
