namespace Pluggable.Fuzzing;

/// <summary>Set-up commands: mappings, memory files, pools, THP, munmap/mprotect/madvise/mremap, fork.</summary>
internal sealed partial class GenerationRun
{
    private static readonly string[] Protections = ["none", "r", "rw", "rx", "rwx", "x", "w"];

    private void SetUp()
    {
        // Against the live kernel every machine-wide setting a scenario depends on is stated: the
        // emulator starts from the defaults, the machine from whatever it was left in.
        if (_profile.HostComparable || _random.Chance(0.3))
            Emit(_model.Main, $"thp {_random.Weighted((1, "always"), (2, "madvise"), (1, "never"))}");
        if (_profile.HostComparable && _profile.HugeShapes)
        {
            Emit(_model.Main, $"hugepages {ScenarioText.PoolSize(_huge)} {4 + _random.Next(9)}");
            _model.PoolSized = true;
        }
        bool uffdFirst = _random.Chance(0.5);
        if (uffdFirst && _random.Chance(0.85))
            Uffd(_model.Main);

        // The source of every COPY: big enough for one huge page, its first pages numbered.
        ulong sourceBytes = _profile.HugeShapes ? _huge + 4 * _page : 16 * _page;
        var source = new ModelMapping("src", MemoryKind.AnonPrivate, sourceBytes, _page);
        Emit(_model.Main, $"mmap src anon {_text.Size(sourceBytes)}");
        Emit(_model.Main, $"fill src {_text.Size(Math.Min(sourceBytes, _profile.HugeShapes ? _huge : sourceBytes))} pageidx");
        _model.Main.Mappings.Add(source);

        int mappings = 1 + _random.Next(3);
        for (int i = 0; i < mappings; i++)
            Mmap(_model.Main);
        if (!uffdFirst && _random.Chance(0.85))
            Uffd(_model.Main);
        if (_random.Chance(0.6))
            Register(_model.Main);
    }

    private bool Mmap(ModelProcess p)
    {
        var kinds = new List<(int, MemoryKind)> { (30, MemoryKind.AnonPrivate), (10, MemoryKind.AnonShared), (15, MemoryKind.ShmemShared), (10, MemoryKind.ShmemPrivate) };
        if (_profile.HugeShapes)
            kinds.AddRange([(10, MemoryKind.HugetlbShared), (8, MemoryKind.HugetlbPrivate)]);
        var kind = _random.Weighted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(kinds));
        string label = _model.NewLabel();
        var mapping = kind is MemoryKind.AnonPrivate or MemoryKind.AnonShared ? MmapAnon(p, label, kind) : MmapFile(p, label, kind);
        p.Mappings.Add(mapping);
        return true;
    }

    private ModelMapping MmapAnon(ModelProcess p, string label, MemoryKind kind)
    {
        ulong bytes = AnonSize();
        var line = new List<string> { "mmap", label, "anon", _text.Size(bytes) };
        if (kind == MemoryKind.AnonShared)
            line.Add("shared");
        if (_random.Chance(0.15))
            line.Add($"prot={_random.Pick(Protections)}");
        if (_random.Chance(0.08))
            line.Add($"align={_text.Size(_random.Weighted((3, 2 * _profile.MaxMapping), (1, _page), (1, 3 * _page), (1, _huge)))}");
        if (_random.Chance(0.12))
            line.Add("populate");
        Emit(p, string.Join(' ', line));
        // THP-eligible: a private range of whole huge pages the policy (or MADV_HUGEPAGE) lets fault huge.
        if (kind == MemoryKind.AnonPrivate && _profile.HugeShapes && bytes >= _huge && _random.Chance(0.4))
            Emit(p, $"madvise {label} {_text.Size(bytes)} hugepage");
        return new ModelMapping(label, kind, bytes, _page);
    }

    private ModelMapping MmapFile(ModelProcess p, string label, MemoryKind kind)
    {
        bool hugetlb = kind is MemoryKind.HugetlbShared or MemoryKind.HugetlbPrivate;
        var file = p.Files.Where(f => f.Hugetlb == hugetlb).ToList() is { Count: > 0 } existing && _random.Chance(0.5)
            ? _random.Pick(existing)
            : NewFile(p, hugetlb);
        ulong granule = hugetlb ? _huge : _page;
        ulong bytes = file.Bytes;
        var line = new List<string> { "mmap", label, $"file={file.Name}" };
        if (_random.Chance(0.25))
        {
            bytes = _random.Weighted((3, granule), (2, Saturating.Add(file.Bytes, granule)), (1, Saturating.Add(file.Bytes, _page)), (1, Shorter(file.Bytes, granule)));
            line.Add(_text.Size(bytes));
        }
        if (_random.Chance(0.15))
            line.Add($"offset={_text.Size(_random.Weighted((6, granule), (1, _page), (1, file.Bytes)))}");
        if (kind is MemoryKind.ShmemPrivate or MemoryKind.HugetlbPrivate)
            line.Add("private");
        if (_random.Chance(0.15))
            line.Add($"prot={_random.Pick(Protections)}");
        Emit(p, string.Join(' ', line));
        return new ModelMapping(label, kind, bytes, granule);
    }

    private ModelFile NewFile(ModelProcess p, bool hugetlb)
    {
        if (hugetlb && !_model.PoolSized)
        {
            // Enough pages for a few mappings of the files below: an mmap that cannot reserve fails,
            // and every later command on its label is only an 'unknown label'.
            Emit(_model.Main, $"hugepages {ScenarioText.PoolSize(_huge)} {4 + _random.Next(9)}");
            _model.PoolSized = true;
        }
        // A hugetlb file is sized in whole huge pages: ftruncate refuses anything else, and the
        // file would then not exist for the mmap that follows.
        ulong bytes = hugetlb ? _huge * (1 + (ulong)_random.Next(3)) : FileSize();
        var file = new ModelFile(_model.NewFile(), hugetlb, bytes);
        Emit(p, $"memfd {file.Name} {(hugetlb ? "hugetlb" : "shmem")} {_text.Size(bytes)}");
        p.Files.Add(file);
        return file;
    }

    private bool Memfd(ModelProcess p)
    {
        NewFile(p, _profile.HugeShapes && _random.Chance(0.3));
        return true;
    }

    private ulong AnonSize()
    {
        ulong pages = _random.Pick<ulong>([1, 2, 3, 4, 5, 8, 16, 17, 32, 64]);
        ulong small = Math.Min(pages * _page, _profile.MaxMapping);
        if (!_profile.HugeShapes)
            return small;
        return _random.Weighted((6, small), (3, _huge * (1 + (ulong)_random.Next(3))), (1, _huge + _page), (1, _huge - _page));
    }

    private ulong FileSize()
    {
        ulong small = Math.Min(_random.Pick<ulong>([1, 2, 4, 8, 16, 64]) * _page, _profile.MaxMapping);
        return _profile.HugeShapes && _random.Chance(0.25) ? 2 * _huge : small;
    }

    private bool Munmap(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        var range = _ranges.Range(m);
        Emit(p, $"munmap {Range(m, range)}");
        if (range.Offset == 0 && range.Length >= m.Bytes)
            m.Gone = true;
        ExpectEvent(m, "event_unmap");
        return true;
    }

    private bool Mprotect(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        Emit(p, $"mprotect {Range(m, _ranges.Range(m))} {_random.Pick(Protections)}");
        return true;
    }

    private bool Madvise(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        string advice = _random.Weighted(
            (4, "dontneed"), (2, "remove"), (2, "pageout"), (2, "hugepage"), (1, "nohugepage"),
            (2, "collapse"), (2, "populate_read"), (2, "populate_write"));
        var range = advice.StartsWith("populate", StringComparison.Ordinal) ? _ranges.BoundedRange(m, TouchBudget) : _ranges.Range(m);
        Emit(p, $"madvise {Range(m, range)} {advice}");
        if (advice is "dontneed" or "remove")
            ExpectEvent(m, "event_remove");
        else if (advice.StartsWith("populate", StringComparison.Ordinal))
            ExpectFault(m, range.Offset);
        return true;
    }

    private bool Mremap(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        string label = _model.NewLabel();
        ulong bytes = m.Bytes;
        string line = $"mremap {m.Label} {label}";
        if (_random.Chance(0.35))
        {
            bytes = _random.Weighted((3, Saturating.Add(m.Bytes, m.Granule)), (2, Shorter(m.Bytes, m.Granule)), (1, m.Bytes), (1, Saturating.Add(m.Bytes, _page)));
            line += $" size={_text.Size(bytes)}";
        }
        Emit(p, line);
        p.Mappings.Add(m.CopyFor(label, bytes));
        m.Gone = true;
        ExpectEvent(m, "event_remap");
        return true;
    }

    private bool Fork(ModelProcess p)
    {
        if (_model.Processes.Count >= MaxProcesses)
            return false;
        string name = _model.NewProcess();
        Emit(p, $"fork {name}");
        var child = p.Fork(name);
        _model.Processes.Add(child);
        // With event_fork the child's registered ranges move to a new userfaultfd, named by the
        // read of the fork event (u1@c1); without it the child's ranges are not registered.
        ModelUffd? copy = null;
        var parentUffds = child.Mappings.Select(m => m.Uffd).OfType<ModelUffd>().Distinct().ToList();
        foreach (var uffd in parentUffds)
        {
            var forked = uffd.Has("event_fork") && !uffd.Closed ? new ModelUffd($"{uffd.Name}@{name}", uffd.Features, child) { Bound = false } : null;
            foreach (var mapping in child.Mappings.Where(m => m.Uffd == uffd))
                mapping.Uffd = forked;
            if (forked is not null && copy is null)
            {
                _model.Uffds.Add(forked);
                _model.Pending = new PendingRead(uffd, ForkCopy: forked);
                copy = forked;
            }
        }
        return true;
    }

    private bool Hugepages(ModelProcess p)
    {
        if (!p.IsMain || _profile.PoolSizes.Count == 0)
            return false;
        ulong size = _random.Chance(0.9) ? _random.Pick(_profile.PoolSizes) : 3 * _page;
        Emit(p, $"hugepages {ScenarioText.PoolSize(size)} {_random.Next(13)}");
        _model.PoolSized |= size == _huge;
        return true;
    }

    private bool Thp(ModelProcess p)
    {
        if (!p.IsMain)
            return false;
        Emit(p, $"thp {_random.Pick(["always", "madvise", "never"])}");
        return true;
    }

    /// <summary>
    /// A request at the emulated machine's limits: larger than its memory, larger than any address
    /// space, counts that do not fit. The kernel answers most of these at once (ENOMEM, EINVAL,
    /// EFAULT); a read-only populate of a terabyte it does perform, until the page tables fill the
    /// machine and the OOM killer ends the process, so that case costs the machine's size in page
    /// table entries, never more.
    /// </summary>
    private bool Extreme(ModelProcess p)
    {
        ulong memory = _profile.MemoryBytes!.Value;
        var target = PickMapping(p);
        string label = target?.Label ?? "src";
        switch (_random.Next(8))
        {
            case 0:
                Emit(p, $"mmap {_model.NewLabel()} anon {_text.Size(RoundUp(memory + _huge, _page))}{(_random.Chance(0.5) ? " populate" : "")}");
                break;
            case 1:
                Emit(p, $"mmap {_model.NewLabel()} anon 0xffffffffffffffff");
                break;
            case 2:
                Emit(p, $"mmap {_model.NewLabel()} anon 1023g prot=r populate");
                break;
            case 3:
                Emit(p, $"pagemap {label} {_random.Pick(["4096g", "102400g", "0xffffffffffffffff"])}");
                break;
            case 4:
                Emit(p, $"gup {label} {_random.Pick(["0x40000000000000", "0xffffffffffffffff", "268435456"])}{(_random.Chance(0.5) ? " pin" : "")}");
                break;
            case 5:
                Emit(p, $"fill {label} {_text.Size(RoundUp(memory + _page, _page))} 0x01");
                break;
            case 6:
                Emit(p, $"hugepages {ScenarioText.PoolSize(_huge)} {_random.Pick(["0xffffffff", ScenarioText.Number(memory / _huge + 1)])}");
                break;
            default:
                string file = _model.NewFile();
                Emit(p, $"memfd {file} shmem 0xfffffffffffff000");
                p.Files.Add(new ModelFile(file, false, 0xfffffffffffff000));
                break;
        }
        return true;
    }

    /// <summary>One unit shorter, but never empty.</summary>
    private static ulong Shorter(ulong bytes, ulong unit) => bytes > unit ? bytes - unit : unit;

    private static ulong RoundUp(ulong value, ulong unit) => (value + unit - 1) / unit * unit;
}
