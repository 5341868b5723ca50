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
        var walk = new DumpWalk(tables, formatAddress);
        PageWalk.Range(tables, start, start + length, ref walk);
        walk.FlushEmpty();
        return walk.Lines;
    }

    /// <summary>The dump as a walk: every entry met is a line, except runs of empty lowest-level slots.</summary>
    private struct DumpWalk(PageTable tables, Func<ulong, string> formatAddress) : IPageWalkOps
    {
        public readonly List<string> Lines = [];
        private Slot _lastHugePte;
        private Slot _emptyFirst;
        private ulong _emptyAddress;
        private int _emptyRun;

        public WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry) => Entry(slot, start, entry);

        public WalkAction Hole(in Slot slot, ulong start, ulong end)
        {
            if (Full(start))
                return WalkAction.Stop;
            FlushEmpty();
            Lines.Add($"{tables.Ops.Geometry[slot.Level].Name}[{slot.Index}] {formatAddress(start)} none");
            return WalkAction.Continue;
        }

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry) => Entry(slot, start, entry);

        /// <summary>The hugepd's line, then one line per hugepte it holds for the range (8xx's two slots share one).</summary>
        public WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            if (Entry(slot, start, entry) == WalkAction.Stop)
                return WalkAction.Stop;
            var level = tables.Ops.Geometry[slot.Level];
            ulong page = 1UL << entry.Shift;
            ulong covered = Math.Min(page, level.EntrySpan);
            for (ulong address = start; address < end; address = (address & ~(covered - 1)) + covered)
            {
                if (Full(address))
                    return WalkAction.Stop;
                var hugepte = HugePdTable.EntryFor(entry, level.Shift, address);
                if (hugepte != _lastHugePte)
                {
                    Lines.Add(HugePteLine(tables, hugepte, address & ~(page - 1), tables.Ops.Codec, formatAddress));
                    _lastHugePte = hugepte;
                }
                if ((address & ~(covered - 1)) + covered == 0)
                    break;
            }
            return WalkAction.Continue;
        }

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            var slot = first;
            ulong pageSize = tables.Ops.Geometry.PageSize;
            for (ulong address = start; address < end; address += pageSize, slot = slot.Next())
            {
                if (Full(address))
                    return WalkAction.Stop;
                var entry = tables.Get(slot);
                if (entry.Kind == EntryKind.None)
                {
                    if (_emptyRun > 0 && slot.Table == _emptyFirst.Table && slot.Index == _emptyFirst.Index + _emptyRun)
                    {
                        _emptyRun++;
                        continue;
                    }
                    FlushEmpty();
                    (_emptyFirst, _emptyAddress, _emptyRun) = (slot, address, 1);
                    continue;
                }
                if (Entry(slot, address, entry) == WalkAction.Stop)
                    return WalkAction.Stop;
            }
            return WalkAction.Continue;
        }

        public void FlushEmpty()
        {
            if (_emptyRun == 0)
                return;
            string range = _emptyRun == 1 ? $"[{_emptyFirst.Index}]" : $"[{_emptyFirst.Index}..{_emptyFirst.Index + _emptyRun - 1}]";
            Lines.Add($"{_emptyFirst.Level.KernelName()}{range} {formatAddress(_emptyAddress)} none{(_emptyRun > 1 ? $" x{_emptyRun}" : "")}");
            _emptyRun = 0;
        }

        private WalkAction Entry(in Slot slot, ulong address, in PageEntry entry)
        {
            if (Full(address))
                return WalkAction.Stop;
            FlushEmpty();
            Lines.Add(Line(tables.Ops.Geometry, tables.Ops.Geometry[slot.Level], slot, address, tables.ReadRaw(slot), entry, tables.Ops.Codec, formatAddress));
            return WalkAction.Continue;
        }

        /// <summary>Whether the dump has its <see cref="DetailLimit.Lines"/> lines; if so, the last says where it stopped.</summary>
        private bool Full(ulong address)
        {
            if (Lines.Count < DetailLimit.Lines)
                return false;
            FlushEmpty();
            Lines.Add($"... the rest of the range, from {formatAddress(address)}, is not shown (a dump stops after {DetailLimit.Lines} lines)");
            return true;
        }
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
