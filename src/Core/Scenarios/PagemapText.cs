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

    public static string Format(ReadOnlySpan<PagemapFlags> pages)
    {
        var text = new StringBuilder();
        int i = 0;
        while (i < pages.Length)
        {
            int run = 1;
            while (i + run < pages.Length && pages[i + run] == pages[i])
                run++;
            if (text.Length > 0)
                text.Append(", ");
            AppendFlags(text, pages[i]);
            if (run > 1)
                text.Append(" x").Append(run);
            i += run;
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
