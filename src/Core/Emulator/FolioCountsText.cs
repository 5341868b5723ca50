using System.Globalization;
using System.Text;
using Pluggable.Core.Mm;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The text of <c>refs</c>: for each page of a pagemap read, its folio's reference count, the
/// page's map count and the large folio's pin count, equal neighbours run-length encoded. What the
/// kernel keeps in struct folio (_refcount, _mapcount, _pincount) and shows to no one.
/// </summary>
public static class FolioCountsText
{
    public static string Format(MemorySystem system, PagemapRuns runs)
    {
        var text = new StringBuilder();
        string? pending = null;
        ulong count = 0;
        foreach (var run in runs.Frames)
        {
            if (run.Kind != FrameKind.Frame)
            {
                // Holes and zero pages say the same for every page: one step, whatever the run's length.
                Add(text, ref pending, ref count, run.Kind == FrameKind.Zero ? "zero" : "-", run.Pages);
                continue;
            }
            for (ulong i = 0; i < run.Pages; i++)
                Add(text, ref pending, ref count, Counts(system, run.First + i), 1);
        }
        Flush(text, pending, count);
        return text.ToString();
    }

    private static void Add(StringBuilder text, ref string? pending, ref ulong count, string page, ulong pages)
    {
        if (page == pending)
        {
            count += pages;
            return;
        }
        Flush(text, pending, count);
        pending = page;
        count = pages;
    }

    private static string Counts(MemorySystem system, ulong pfn)
    {
        ref var head = ref system.Memory[system.Memory.HeadOf(pfn)];
        return string.Create(CultureInfo.InvariantCulture, $"ref={head.RefCount} map={system.Memory[pfn].MapCount} pin={head.PinCount}");
    }

    private static void Flush(StringBuilder text, string? page, ulong count)
    {
        if (page is null)
            return;
        if (text.Length > 0)
            text.Append(", ");
        text.Append(page);
        if (count > 1)
            text.Append(" x").Append(count);
    }
}
