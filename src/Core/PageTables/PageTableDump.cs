using System.Globalization;
using Pluggable.Core.Arch;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.PageTables;

/// <summary>
/// The walk of a range as text: every table entry visited once, top to bottom, with its raw word
/// and the architecture's names for its bits. Runs of empty leaf-level entries collapse to one line.
/// A walk that has printed <see cref="DetailLimit.Lines"/> lines stops and says where.
/// </summary>
/// Kernel: (none; what ptdump and a debugger would show for one range).
public static class PageTableDump
{
    public static List<string> Describe(PageTable tables, ulong start, ulong length, Func<ulong, string> formatAddress)
    {
        var lines = new List<string>();
        var codec = tables.Ops.Codec;
        var geo = tables.Ops.Geometry;
        var levels = tables.UnfoldedLevels;
        var lastPrinted = new Slot[levels.Count];
        Slot lastHugePte = default;
        ulong end = start + length;
        ulong address = start;
        int emptyRun = 0;
        Slot emptyFirst = default;
        ulong emptyAddress = 0;

        void FlushEmpty()
        {
            if (emptyRun == 0)
                return;
            string range = emptyRun == 1 ? $"[{emptyFirst.Index}]" : $"[{emptyFirst.Index}..{emptyFirst.Index + emptyRun - 1}]";
            lines.Add($"{emptyFirst.Level.KernelName()}{range} {formatAddress(emptyAddress)} none{(emptyRun > 1 ? $" x{emptyRun}" : "")}");
            emptyRun = 0;
        }

        while (address < end)
        {
            if (lines.Count >= DetailLimit.Lines)
            {
                FlushEmpty();
                lines.Add($"... the rest of the range, from {formatAddress(address)}, is not shown (a dump stops after {DetailLimit.Lines} lines)");
                return lines;
            }
            ulong table = tables.Root;
            ulong step = geo.PageSize;
            for (int depth = 0; depth < levels.Count; depth++)
            {
                var level = levels[depth];
                var slot = new Slot(table, level.IndexOf(address), level.Level);
                ulong raw = tables.ReadRaw(slot);
                var entry = codec.Decode(level.Level, raw);
                bool last = depth == levels.Count - 1;
                if (entry.Kind == EntryKind.None)
                {
                    step = level.NextEntryStart(address) - address;
                    if (last && emptyRun > 0 && slot.Table == emptyFirst.Table && slot.Index == emptyFirst.Index + emptyRun)
                    {
                        emptyRun++;
                        break;
                    }
                    FlushEmpty();
                    if (last)
                    {
                        emptyFirst = slot;
                        emptyAddress = address;
                        emptyRun = 1;
                    }
                    else if (lastPrinted[depth] != slot)
                    {
                        lines.Add($"{level.Name}[{slot.Index}] {formatAddress(address)} none");
                        lastPrinted[depth] = slot;
                    }
                    break;
                }
                if (lastPrinted[depth] != slot)
                {
                    FlushEmpty();
                    lines.Add(Line(geo, level, slot, address, raw, entry, codec, formatAddress));
                    lastPrinted[depth] = slot;
                }
                if (entry.Kind == EntryKind.HugePd)
                {
                    var hugepte = HugePdTable.EntryFor(entry, level.Shift, address);
                    ulong covered = Math.Min(1UL << entry.Shift, level.EntrySpan);
                    step = covered - (address & (covered - 1));
                    if (hugepte != lastHugePte)
                    {
                        lines.Add(HugePteLine(tables, hugepte, address & ~((1UL << entry.Shift) - 1), codec, formatAddress));
                        lastHugePte = hugepte;
                    }
                    break;
                }
                if (entry.Kind != EntryKind.Table)
                {
                    step = level.NextEntryStart(address) - address;
                    break;
                }
                table = entry.Frame;
            }
            address += step;
        }
        FlushEmpty();
        return lines;
    }

    /// <summary>A hugepte behind a hugepd: an ordinary pte word, named by its index in the hugepte table.</summary>
    private static string HugePteLine(PageTable tables, in Slot slot, ulong pageAddress, IEntryCodec codec, Func<ulong, string> formatAddress)
    {
        ulong raw = tables.ReadRaw(slot);
        if (raw == 0)
            return $"hugepte[{slot.Index}] {formatAddress(pageAddress)} none";
        var entry = codec.Decode(PageLevel.Pte, raw);
        string bits = codec.Describe(PageLevel.Pte, raw);
        return $"hugepte[{slot.Index}] {formatAddress(pageAddress)} {Word(tables.Ops.Geometry, raw)} {What(entry)}{(bits.Length > 0 ? $" [{bits}]" : "")}";
    }

    private static string Line(PageGeometry geo, LevelGeometry level, in Slot slot, ulong address, ulong raw, in PageEntry entry, IEntryCodec codec, Func<ulong, string> formatAddress)
    {
        string bits = codec.Describe(level.Level, raw);
        return $"{level.Name}[{slot.Index}] {formatAddress(address)} {Word(geo, raw)} {What(entry)}{(bits.Length > 0 ? $" [{bits}]" : "")}";
    }

    /// <summary>The raw word in as many hex digits as the architecture's entries have (8 for the 8xx's 32-bit ptes).</summary>
    private static string Word(PageGeometry geo, ulong raw) =>
        "0x" + raw.ToString(geo.EntryBytes == 4 ? "x8" : "x16", CultureInfo.InvariantCulture);

    private static string What(in PageEntry entry) => entry.Kind switch
    {
        EntryKind.Table => $"table pfn=0x{entry.Frame.ToString("x", CultureInfo.InvariantCulture)}",
        EntryKind.Page => $"page pfn=0x{entry.Frame.ToString("x", CultureInfo.InvariantCulture)}",
        EntryKind.HugePd => $"hugepd table pfn=0x{entry.Frame.ToString("x", CultureInfo.InvariantCulture)} shift={entry.Shift}",
        EntryKind.Swap when PteMarker.IsMarker(entry) => $"marker{MarkerNames(entry.Frame)}",
        EntryKind.Swap => $"swap type={entry.SwapType} offset=0x{entry.Frame.ToString("x", CultureInfo.InvariantCulture)}",
        _ => "none",
    };

    private static string MarkerNames(ulong bits)
    {
        var names = "";
        if ((bits & PteMarker.UffdWp) != 0) names += " uffd-wp";
        if ((bits & PteMarker.Poisoned) != 0) names += " poisoned";
        return names;
    }
}
