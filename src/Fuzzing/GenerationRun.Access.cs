namespace Pluggable.Fuzzing;

/// <summary>Memory accesses, pagemap, and the emulator-only gup, unpin, dump and trace.</summary>
internal sealed partial class GenerationRun
{
    /// <summary>A dump prints a line per entry: a few pages are enough to see the walk.</summary>
    private const ulong DumpPages = 16;

    private bool Touch(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        ulong offset = _ranges.Point(m);
        bool write = _random.Chance(0.5);
        if (!ParkWithoutRace(m, offset, 1, write))
            return false;
        string value = write && _random.Chance(0.5) ? $" value={ScenarioText.Byte((byte)_random.Next(256))}" : "";
        Emit(p, $"touch {Address(m, offset)} {(write ? "write" : "read")}{value}");
        ExpectFault(m, offset);
        return true;
    }

    private bool Fill(ModelProcess p) => Access(p, "fill");

    private bool Check(ModelProcess p) => Access(p, "check");

    private bool Access(ModelProcess p, string command)
    {
        if (PickMapping(p) is not { } m)
            return false;
        var range = _ranges.BoundedRange(m, TouchBudget);
        if (!ParkWithoutRace(m, range.Offset, range.Length, write: command == "fill"))
            return false;
        string pattern = _random.Chance(0.3) ? "pageidx" : ScenarioText.Byte((byte)_random.Next(256));
        Emit(p, $"{command} {Range(m, range)} {pattern}");
        ExpectFault(m, range.Offset);
        return true;
    }

    /// <summary>
    /// Accesses parked on the same unit are all woken by the one resolution, and the kernel runs them
    /// in no fixed order: a read parked beside a write (or two writes) then sees or leaves the bytes
    /// of whichever ran first, which differs from run to run on the live kernel (found by the host
    /// search: a read and a fill parked on one hugetlb page answered 0x00 or 0xe2). So an access that
    /// may park is not generated over a unit where an earlier one may still be parked, unless both
    /// only read; false when this one would race, and the access is not emitted.
    /// </summary>
    private bool ParkWithoutRace(ModelMapping m, ulong offset, ulong length, bool write)
    {
        if (m.Uffd is not { Closed: false, Bound: true } || m.Modes == "none")
            return true;
        ulong start = AlignDown(offset, m.Granule);
        ulong end = AlignDown(offset + Math.Max(length, 1) - 1, m.Granule) + m.Granule;
        if (m.MayPark.Any(a => (a.Write || write) && a.Start < end && start < a.End))
            return false;
        m.MayPark.Add((start, end, write));
        return true;
    }

    private bool Pagemap(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        Emit(p, $"pagemap {Range(m, _ranges.Range(m))}");
        return true;
    }

    private bool Gup(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        var (offset, length) = _ranges.BoundedRange(m, TouchBudget);
        ulong pages = _random.Weighted((3, 1UL), (4, Math.Max(1, length / _page)), (1, length / _page + 1), (1, 0UL));
        string address = Address(m, offset);
        var flags = new List<string>();
        foreach (var (flag, chance) in new[] { ("write", 0.4), ("force", 0.15), ("pin", 0.4), ("longterm", 0.2), ("fast", 0.2), ("fast-only", 0.1) })
        {
            if (_random.Chance(chance))
                flags.Add(flag);
        }
        Emit(p, $"gup {address} {pages}{string.Concat(flags.Select(f => " " + f))}");
        if (flags.Contains("pin"))
            _model.Pins.Add(new ModelPin(p, address, pages));
        ExpectFault(m, offset);
        return true;
    }

    private bool Unpin(ModelProcess p)
    {
        var pins = _model.Pins.Where(pin => pin.Process == p).ToList();
        if (pins.Count > 0 && _random.Chance(0.85))
        {
            var pin = _random.Pick(pins);
            _model.Pins.Remove(pin);
            Emit(p, $"unpin {pin.Address} {pin.Pages}");
            return true;
        }
        if (PickMapping(p) is not { } m)
            return false;
        Emit(p, $"unpin {Address(m, AlignDown(_ranges.Point(m), _page))} {1 + _random.Next(2)}");
        return true;
    }

    private bool Dump(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        Emit(p, $"dump {Range(m, _ranges.BoundedRange(m, DumpPages * _page))}");
        return true;
    }

    private bool Trace(ModelProcess p)
    {
        _model.Tracing = !_model.Tracing;
        Emit(_model.Main, _model.Tracing ? "trace on" : "trace off");
        return true;
    }
}
