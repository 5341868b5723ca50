namespace Pluggable.Fuzzing;

/// <summary>
/// Writes one random scenario: a set-up (a source of data, a userfaultfd, a few mappings), then
/// random commands in the main process or a child, with the habits of a userfaultfd monitor (read
/// what an access may have stopped on, resolve it). The model decides which names exist; the
/// kernel's answers decide the rest, so every line is well formed and names what exists, and
/// whether it succeeds is up to the machine.
/// </summary>
internal sealed partial class GenerationRun
{
    /// <summary>Commands that write or read every page of their range stop at this many bytes.</summary>
    private const ulong TouchBudget = 8UL << 20;

    private const int MaxProcesses = 4;

    private readonly GeneratorProfile _profile;
    private readonly FuzzRandom _random;
    private readonly ScenarioText _text;
    private readonly RangeChooser _ranges;
    private readonly ScenarioModel _model = new();
    private readonly List<string> _lines = [];
    private readonly ulong _page;
    private readonly ulong _huge;
    private readonly (int Weight, Func<ModelProcess, bool> Step)[] _steps;

    public GenerationRun(GeneratorProfile profile, ulong seed)
    {
        _profile = profile;
        _random = new FuzzRandom(seed);
        _text = new ScenarioText(profile);
        _ranges = new RangeChooser(_random, profile);
        _page = profile.PageSize;
        _huge = profile.HugePageSize;
        _steps = Steps();
    }

    public IReadOnlyList<string> Write()
    {
        SetUp();
        int steps = 1 + _random.Next(_profile.Length);
        for (int i = 0; i < steps; i++)
            Step();
        return _lines;
    }

    private (int, Func<ModelProcess, bool>)[] Steps()
    {
        var steps = new List<(int, Func<ModelProcess, bool>)>
        {
            (8, Mmap), (4, Munmap), (5, Mprotect), (8, Madvise), (3, Mremap), (3, Fork), (2, Memfd),
            (3, Uffd), (1, Api), (9, Register), (2, Unregister), (7, Copy), (3, Zeropage), (3, Continue),
            (2, Poison), (3, Move), (4, WriteProtect), (2, Wake), (6, Read), (1, Close),
            (12, Touch), (5, Fill), (4, Check), (7, Pagemap),
            (2, Hugepages), (1, Thp),
            (4, GupSyscall), (2, LongTermPin), (1, EndLongTermPin),
        };
        // Frame names follow the order frames are first seen: a frame the host frees and reuses
        // keeps its old name there, so they are compared within the emulator only.
        if (!_profile.HostComparable)
            steps.Add((2, Frames));
        if (_profile.GupFocus)
            steps.AddRange([(12, GupSyscall), (6, LongTermPin), (4, EndLongTermPin), (4, Fork), (4, Munmap), (3, Mremap), (4, Madvise)]);
        // gup, unpin, dump and trace are the emulator's own: the host answers them 'unsupported',
        // and a pin the host never took would make every later answer about that page differ.
        if (!_profile.HostComparable)
            steps.AddRange(_profile.GupFocus ? [(10, Gup), (6, Unpin), (1, Dump)] : [(4, Gup), (2, Unpin), (1, Dump), (1, Trace)]);
        // Sizes beyond the machine's memory (overcommit, running out) depend on the machine: the
        // emulator's is an option, the host's is whatever this computer has.
        if (_profile.MemoryBytes is not null)
            steps.Add((1, Extreme));
        return [.. steps];
    }

    private void Step()
    {
        if (_model.Pending is { } pending && _random.Chance(0.7))
        {
            _model.Pending = null;
            Serve(pending);
            return;
        }
        var children = _model.Processes.Where(p => !p.IsMain).ToList();
        var process = children.Count > 0 && _random.Chance(0.25) ? _random.Pick(children) : _model.Main;
        for (int attempt = 0; attempt < 8; attempt++)
        {
            if (_random.Weighted<Func<ModelProcess, bool>>(_steps)(process))
                return;
        }
    }

    /// <summary>One command line, run in <paramref name="process"/> (<c>in NAME</c> for a child).</summary>
    private void Emit(ModelProcess process, string command) =>
        _lines.Add(process.IsMain ? command : $"in {process.Name} {command}");

    /// <summary>A mapping of the process, rarely one it has unmapped or moved away.</summary>
    private ModelMapping? PickMapping(ModelProcess process, Func<ModelMapping, bool>? filter = null)
    {
        var all = process.Mappings.Where(m => filter is null || filter(m)).ToList();
        if (all.Count == 0)
            return null;
        var live = all.Where(m => !m.Gone).ToList();
        return live.Count > 0 && _random.Chance(0.9) ? _random.Pick(live) : _random.Pick(all);
    }

    /// <summary>The userfaultfd registered on <paramref name="mapping"/> if any, else any open one, rarely a closed one.</summary>
    private ModelUffd? PickUffd(ModelMapping? mapping = null)
    {
        if (mapping?.Uffd is { Closed: false } registered && _random.Chance(0.8))
            return registered;
        var open = _model.OpenUffds.Where(u => u.Bound).ToList();
        if (open.Count > 0 && _random.Chance(0.95))
            return _random.Pick(open);
        return _model.Uffds.Count > 0 ? _random.Pick(_model.Uffds) : null;
    }

    private string Address(ModelMapping m, ulong offset) => _text.Address(m.Label, offset);

    private string Range(ModelMapping m, (ulong Offset, ulong Length) range) =>
        $"{Address(m, range.Offset)} {_text.Size(range.Length)}";

    private static ulong AlignDown(ulong value, ulong unit) => value / unit * unit;
}
