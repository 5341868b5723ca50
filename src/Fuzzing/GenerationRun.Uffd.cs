namespace Pluggable.Fuzzing;

/// <summary>userfaultfd commands, and the monitor's habit of reading and resolving what is pending.</summary>
internal sealed partial class GenerationRun
{
    /// <summary>Each feature with how often a handshake asks for it.</summary>
    private static readonly (string Name, double Chance)[] FeatureOdds =
    [
        ("missing_shmem", 0.5), ("missing_hugetlbfs", 0.4), ("minor_shmem", 0.25), ("minor_hugetlbfs", 0.2),
        ("pagefault_flag_wp", 0.3), ("wp_unpopulated", 0.15), ("wp_hugetlbfs_shmem", 0.2), ("wp_async", 0.05),
        ("event_fork", 0.2), ("event_remap", 0.15), ("event_remove", 0.15), ("event_unmap", 0.15),
        ("sigbus", 0.08), ("thread_id", 0.05), ("exact_address", 0.08), ("poison", 0.25), ("move", 0.25),
    ];

    private bool Uffd(ModelProcess p)
    {
        var features = FeatureOdds.Where(f => _random.Chance(f.Chance)).Select(f => f.Name).ToList();
        var line = new List<string> { "uffd", _model.NewUffd() };
        var words = new List<string>(features);
        if (_random.Chance(0.03))
            words.Add(_random.Pick(["0x8000000000000000", "0x40000", "0x1"]));
        if (words.Count > 0)
            line.Add("features=" + string.Join(',', words));
        if (_random.Chance(0.75))
            line.Add("nonblock");
        if (_random.Chance(0.1))
            line.Add("user-only");
        if (_random.Chance(0.1))
            line.Add("via=dev");
        bool noApi = _random.Chance(0.05);
        if (noApi)
            line.Add("noapi");
        Emit(p, string.Join(' ', line));
        _model.Uffds.Add(new ModelUffd(line[1], features, p));
        if (noApi && _random.Chance(0.7))
            Emit(p, $"api {line[1]}{(features.Count > 0 ? " features=" + string.Join(',', features) : "")}");
        return true;
    }

    private bool Api(ModelProcess p)
    {
        if (PickUffd() is not { } u)
            return false;
        string version = _random.Chance(0.15) ? $" version={_random.Pick(["0xaa", "0xab", "0"])}" : "";
        string features = u.Features.Count > 0 && _random.Chance(0.6) ? " features=" + string.Join(',', u.Features) : "";
        Emit(p, $"api {u.Name}{features}{version}");
        return true;
    }

    private bool Register(ModelProcess p)
    {
        if (PickMapping(p) is not { } m || PickUffd() is not { } u)
            return false;
        string modes = m.Anonymous
            ? _random.Weighted((50, "missing"), (20, "wp"), (15, "missing,wp"), (5, "minor"), (3, "none"))
            : _random.Weighted((35, "missing"), (20, "minor"), (15, "wp"), (8, "minor,wp"), (8, "missing,wp"), (3, "missing,minor"), (3, "none"));
        var range = _random.Chance(0.6) ? (0, m.Bytes) : _ranges.Range(m);
        Emit(p, $"register {u.Name} {Range(m, range)} {modes}");
        m.Uffd = u;
        m.Modes = modes;
        return true;
    }

    private bool Unregister(ModelProcess p)
    {
        if (PickMapping(p, m => m.Uffd is not null) is not { } m || PickUffd(m) is not { } u)
            return false;
        var range = _random.Chance(0.5) ? (0, m.Bytes) : _ranges.Range(m);
        Emit(p, $"unregister {u.Name} {Range(m, range)}");
        if (range.Item1 == 0 && range.Item2 >= m.Bytes)
            m.Uffd = null;
        return true;
    }

    private bool Copy(ModelProcess p)
    {
        if (PickMapping(p) is not { } m || PickUffd(m) is not { } u || p.Find("src") is not { } source)
            return false;
        var dst = DestinationRange(m);
        ulong from = _random.Chance(0.8) ? 0 : _ranges.Point(source);
        string options = Options(("dontwake", 0.1), ("wp", 0.15));
        Emit(p, $"copy {u.Name} {Address(m, dst.Offset)} {Address(source, from)} {_text.Size(dst.Length)}{options}");
        return true;
    }

    private bool Zeropage(ModelProcess p) => FillIoctl(p, "zeropage", ("dontwake", 0.1));

    private bool Continue(ModelProcess p) => FillIoctl(p, "continue", ("dontwake", 0.1), ("wp", 0.15));

    private bool Poison(ModelProcess p) => FillIoctl(p, "poison", ("dontwake", 0.1));

    private bool FillIoctl(ModelProcess p, string ioctl, params (string Name, double Chance)[] options)
    {
        if (PickMapping(p) is not { } m || PickUffd(m) is not { } u)
            return false;
        Emit(p, $"{ioctl} {u.Name} {Range(m, DestinationRange(m))}{Options(options)}");
        return true;
    }

    private bool Move(ModelProcess p)
    {
        if (PickMapping(p) is not { } dst || PickUffd(dst) is not { } u || PickMapping(p, m => m != dst) is not { } src)
            return false;
        var range = DestinationRange(dst);
        ulong from = _random.Chance(0.6) ? range.Offset : AlignDown(_ranges.Point(src), _page);
        Emit(p, $"move {u.Name} {Address(dst, range.Offset)} {Address(src, from)} {_text.Size(range.Length)}{Options(("dontwake", 0.1), ("allow-src-holes", 0.3))}");
        return true;
    }

    private bool WriteProtect(ModelProcess p)
    {
        if (PickMapping(p) is not { } m || PickUffd(m) is not { } u)
            return false;
        Emit(p, $"wp {u.Name} {Range(m, _ranges.Range(m))} {(_random.Chance(0.6) ? "on" : "off")}{Options(("dontwake", 0.1))}");
        return true;
    }

    private bool Wake(ModelProcess p)
    {
        if (PickMapping(p) is not { } m || PickUffd(m) is not { } u)
            return false;
        Emit(p, $"wake {u.Name} {Range(m, _ranges.Range(m))}");
        return true;
    }

    private bool Read(ModelProcess p)
    {
        if (PickUffd() is not { } u)
            return false;
        Emit(p, $"read {u.Name}");
        return true;
    }

    private bool Close(ModelProcess p)
    {
        if (PickUffd() is not { } u)
            return false;
        Emit(p, $"close {u.Name}");
        u.Closed = true;
        return true;
    }

    /// <summary>
    /// What a monitor does next: reads the message, binds a fork event's new userfaultfd, and
    /// usually resolves a fault the way the range's registration calls for.
    /// </summary>
    private void Serve(PendingRead pending)
    {
        var u = pending.Uffd;
        Emit(_model.Main, $"read {u.Name}");
        if (pending.ForkCopy is { } copy)
            copy.Bound = true;
        if (pending.Fault is not { } fault || !_random.Chance(0.8))
            return;
        var m = fault.Mapping;
        ulong offset = AlignDown(Math.Min(fault.Offset, Math.Max(m.Bytes, m.Granule) - 1), m.Granule);
        string at = $"{Address(m, offset)}";
        string unit = _text.Size(m.Granule);
        bool minor = m.Modes.Contains("minor");
        bool wp = m.Modes.Contains("wp");
        bool missing = m.Modes.Contains("missing");
        string resolve = minor && (!missing || _random.Chance(0.5))
            ? $"continue {u.Name} {at} {unit}"
            : wp && (!missing || _random.Chance(0.5))
                ? $"wp {u.Name} {at} {unit} off"
                : _random.Weighted(
                    (14, $"copy {u.Name} {at} src {unit}"),
                    (m.Hugetlb ? 0 : 3, $"zeropage {u.Name} {at} {unit}"),
                    (2, $"wake {u.Name} {at} {unit}"),
                    (1, $"poison {u.Name} {at} {unit}"));
        Emit(_model.Main, resolve);
    }

    /// <summary>After an access to a registered range, a monitor reads the fault it may have raised.</summary>
    private void ExpectFault(ModelMapping m, ulong offset)
    {
        if (m.Uffd is { Closed: false, Bound: true } u && m.Modes != "none")
            _model.Pending = new PendingRead(u, new PendingFault(m, offset));
    }

    /// <summary>With the event's feature on, munmap, madvise and mremap wait until a monitor reads the event.</summary>
    private void ExpectEvent(ModelMapping m, string feature)
    {
        if (m.Uffd is { Closed: false, Bound: true } u && u.Has(feature))
            _model.Pending = new PendingRead(u);
    }

    /// <summary>Mostly one unit (the resolution of one fault), otherwise any range.</summary>
    private (ulong Offset, ulong Length) DestinationRange(ModelMapping m)
    {
        if (!_random.Chance(0.6))
            return _ranges.Range(m);
        ulong units = Math.Max(1, m.Bytes / m.Granule);
        return (m.Granule * _random.Between(0, units - 1), m.Granule);
    }

    private string Options(params (string Name, double Chance)[] options)
    {
        var chosen = options.Where(o => _random.Chance(o.Chance)).Select(o => " " + o.Name);
        return string.Concat(chosen);
    }
}
