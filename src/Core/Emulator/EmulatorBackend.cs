using Pluggable.Core.Arch;
using Pluggable.Core.Debug;
using Pluggable.Core.Gup;
using Pluggable.Core.Gup.Syscalls;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;
using MemoryFile = Pluggable.Core.Mm.MemoryFile;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The scenario backend made of the generic core and one architecture plugin. Deterministic:
/// tasks run one at a time, and parked tasks re-run in thread order right after the command that
/// woke them. When memory runs out the OOM killer picks a process (Mm.OomKiller): the command or
/// parked thread that was running in it answers SIGKILL, its other parked threads too, it exits,
/// and later commands in it answer ESRCH.
/// </summary>
public sealed class EmulatorBackend : IScenarioBackend
{
    private readonly MemorySystem _system;
    private readonly TraceRecorder _trace;
    private readonly Dictionary<int, MmStruct> _processes = [];
    private readonly Dictionary<string, MemoryFile> _files = [];
    private readonly UffdDescriptors _uffds = new();
    private readonly List<EmulatedTask> _parked = [];
    private readonly List<ThreadCompletion> _completions = [];
    private readonly PinnedPages _pins = new();
    private readonly LongTermPins _longTermPins = new();
    private readonly DebugVm? _debugVm;
    private readonly List<OomVictim> _oomReports = [];
    private int _nextProcess;
    private int _nextThread;

    /// <param name="aliases">The plugin's other names, so that <c>arch NAME</c> accepts them.</param>
    /// <param name="options">The machine's memory size and debug checks; <see cref="EmulatorOptions.Default"/> when null.</param>
    public EmulatorBackend(Architecture arch, IReadOnlyList<string>? aliases = null, EmulatorOptions? options = null)
    {
        Options = options ?? EmulatorOptions.Default;
        _system = new MemorySystem(arch, Options.MemoryBytes, Options.Kernel);
        _system.Oom.Exit = Exit;
        _trace = new TraceRecorder(arch.Codec);
        _system.Ops.Sink = _trace;
        _processes[_nextProcess++] = _system.CreateMm();
        if (Options.DebugVm)
            _debugVm = new DebugVm(_system, ReportHolders);
        var huge = arch.DefaultHugePage;
        var caps = _system.Capabilities;
        bool wide = arch.Geometry.TaskSize > 1UL << 32;
        ulong offered = ApiHandshake.Supported(caps, _system.Kernel);
        string[] features = [.. new[]
        {
            (caps.Thp, "thp"), (caps.UffdWp, "uffd-wp"), (caps.UffdMinor, "uffd-minor"),
        }.Where(f => f.Item1).Select(f => f.Item2).Concat(UffdUapi.LaterFeatureNames(offered)).Concat(wide ? ["64bit"] : []).Append("odirect").Append("numa")];
        Facts = new BackendFacts(arch.Name, aliases ?? [], arch.Geometry.PageSize, huge?.Size ?? arch.Geometry.PmdSize, arch.Geometry.PmdSize, features,
            arch.Configuration, [.. arch.HugePageSizes.Select(h => h.Size)], Options.Kernel);
    }

    public string Name => $"emulator {_system.Arch}";

    public EmulatorOptions Options { get; }

    public BackendFacts Facts { get; }

    public IAddressFormatter? AddressFormatter { get; set; }

    public MemorySystem System => _system;

    /// <summary>The run stops at this <see cref="System.Diagnostics.Stopwatch"/> timestamp: the core's long loops notice it.</summary>
    public void StopAt(long deadlineTimestamp) =>
        _system.Deadline.Set(global::System.Diagnostics.Stopwatch.GetElapsedTime(global::System.Diagnostics.Stopwatch.GetTimestamp(), deadlineTimestamp));

    public CommandResult Hugepages(ulong size, ulong count)
    {
        Begin(-1);
        return Finish(EmulatorResults.FromErrno(_system.Hugetlb.SetCount(size, count)));
    }

    /// <summary>
    /// Kernel: a kernel whose architecture offers no THP (hugepage_init() gives up when
    /// has_transparent_hugepage() is false, or THP is not built) has no transparent_hugepage
    /// directory in sysfs, so the policy cannot be written (ENOENT).
    /// </summary>
    public CommandResult Thp(ThpPolicy policy)
    {
        if (!_system.Capabilities.Thp)
            return CommandResult.Error(Errno.ENOENT);
        _system.Thp = policy;
        return CommandResult.Ok();
    }

    public CommandResult Memfd(int process, string name, bool hugetlb, ulong size, ulong hugePageSize = 0)
    {
        if (!TryGetMm(process, out _, out var missing))
            return missing;
        MemoryFile file;
        if (hugetlb)
        {
            var error = HugetlbFile.Create(_system, name, size, hugePageSize, out var created);
            if (created is null)
                return CommandResult.Error(error);
            file = created;
        }
        else
        {
            file = _system.CreateFile(name, size, hugetlb: false, hugeShift: 0);
        }
        file.References = 1;
        if (_files.Remove(name, out var old))
            _system.DropFileReference(old);
        _files[name] = file;
        return Finish(CommandResult.Ok());
    }

    public CommandResult Mmap(int process, MmapRequest request, out ulong address)
    {
        address = 0;
        if (!TryGetMm(process, out var mm, out var error))
            return error;
        MemoryFile? file = null;
        if (request.File is not null && !_files.TryGetValue(request.File, out file))
            return CommandResult.ScriptError($"unknown memory file '{request.File}'");
        var errno = Mapping.Mmap(mm, request.Size, request.Protection, request.Shared, file, request.Offset, request.Align, out address);
        if (errno == Errno.None && request.Populate)
            Mapping.Populate(mm, address, mm.Vmas.Find(address)!.End);
        return Finish(EmulatorResults.FromErrno(errno));
    }

    public CommandResult Munmap(int process, ulong address, ulong size) =>
        WithMm(process, mm =>
        {
            var events = new List<UffdEventWaiter>();
            var error = UffdEvents.Munmap(mm, address, size, events);
            return error == Errno.None ? Start(new EventWaitTask(mm, events, CommandResult.Ok())) : CommandResult.Error(error);
        });

    public CommandResult Mprotect(int process, ulong address, ulong size, Protection protection) =>
        WithMm(process, mm => EmulatorResults.FromErrno(Protect.Mprotect(mm, address, size, protection)));

    public CommandResult Madvise(int process, ulong address, ulong size, Advice advice)
    {
        return WithMm(process, mm =>
        {
            var error = Advise.Validate(mm, address, size, out ulong end);
            if (error != Errno.None || end == address)
                return EmulatorResults.FromErrno(error);
            return advice switch
            {
                Advice.PopulateRead or Advice.PopulateWrite => Start(new PopulateTask(mm, address, end, advice == Advice.PopulateWrite, NextThreadId())),
                Advice.DontNeed or Advice.Remove => Start(new MadviseZapTask(mm, address, end, advice)),
                Advice.Collapse => EmulatorResults.FromErrno(Collapse.Madvise(mm, address, end)),
                _ => EmulatorResults.FromErrno(Advise.Apply(mm, address, end, advice)),
            };
        });
    }

    public CommandResult Mremap(int process, ulong address, ulong oldSize, ulong newSize, out ulong newAddress)
    {
        newAddress = 0;
        if (!TryGetMm(process, out var mm, out var failure))
            return failure;
        var events = new List<UffdEventWaiter>();
        var error = UffdEvents.Mremap(mm, address, oldSize, newSize, events, out newAddress);
        // A move that failed part-way may have unmapped something already: its events are waited for all the same.
        return Finish(Start(new EventWaitTask(mm, events, error == Errno.None ? CommandResult.Ok() : CommandResult.Error(error))));
    }

    public CommandResult Fork(int process, out int child)
    {
        child = -1;
        if (!TryGetMm(process, out var mm, out var error))
            return error;
        var contexts = new ForkContexts();
        var childMm = Pluggable.Core.Mm.Fork.Copy(mm, contexts.ChildContext, out var forkError);
        if (childMm is null)
            return Finish(CommandResult.Error(forkError));
        child = _nextProcess++;
        _processes[child] = childMm;
        _uffds.Fork(process, child);
        var events = new List<UffdEventWaiter>();
        contexts.PrepareEvents(events);
        return Finish(Start(new EventWaitTask(mm, events, CommandResult.Ok())));
    }

    public CommandResult UffdCreate(int process, UffdCreateOptions options, out int uffd)
    {
        uffd = -1;
        if (!TryGetMm(process, out var mm, out var error))
            return error;
        uffd = _uffds.Install(process, new UffdContext(mm, options.NonBlock, options.UserModeOnly));
        return CommandResult.Ok();
    }

    public CommandResult UffdApi(int process, int uffd, ulong features, ulong api) =>
        WithUffd(process, uffd, ctx => EmulatorResults.FromErrno(ApiHandshake.Negotiate(ctx, api, features, _system.Capabilities, _system.Kernel)));

    public CommandResult Register(int process, int uffd, ulong start, ulong length, ulong modes) =>
        WithUffd(process, uffd, ctx =>
        {
            if (!ctx.Initialized)
                return CommandResult.Error(Errno.EINVAL);
            var error = Registration.Register(ctx, start, length, modes, out ulong ioctls);
            return error == Errno.None ? CommandResult.Ok(UffdUapi.FormatIoctls(ioctls)) : CommandResult.Error(error);
        });

    public CommandResult Unregister(int process, int uffd, ulong start, ulong length) =>
        WithUffd(process, uffd, ctx => EmulatorResults.FromErrno(ctx.Initialized ? Registration.Unregister(ctx, start, length) : Errno.EINVAL));

    public CommandResult Copy(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode) =>
        StartFill(process, uffd, FillKind.Copy, dst, src, length, mode);

    public CommandResult Zeropage(int process, int uffd, ulong dst, ulong length, ulong mode) =>
        StartFill(process, uffd, FillKind.Zeropage, dst, 0, length, mode);

    public CommandResult Continue(int process, int uffd, ulong dst, ulong length, ulong mode) =>
        StartFill(process, uffd, FillKind.Continue, dst, 0, length, mode);

    public CommandResult Poison(int process, int uffd, ulong dst, ulong length, ulong mode) =>
        StartFill(process, uffd, FillKind.Poison, dst, 0, length, mode);

    public CommandResult Move(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode)
    {
        if (!TryGetMm(process, out var caller, out var error))
            return error;
        if (!_uffds.TryGet(process, uffd, out var file))
            return CommandResult.Error(Errno.EBADF);
        if (!HasIoctl(UffdUapi.IoctlMove))
            return CommandResult.Error(Errno.EINVAL);
        return Finish(Start(new MoveTask(new MoveOperation(file.Context, caller, dst, src, length, mode))));
    }

    public CommandResult WriteProtect(int process, int uffd, ulong start, ulong length, ulong mode) =>
        WithUffd(process, uffd, ctx => EmulatorResults.FromErrno(Userfaultfd.WriteProtect.Ioctl(ctx, start, length, mode)));

    public CommandResult Wake(int process, int uffd, ulong start, ulong length) =>
        WithUffd(process, uffd, ctx => EmulatorResults.FromErrno(UffdIoctls.Wake(ctx, start, length)));

    public CommandResult Read(int process, int uffd) =>
        WithUffd(process, uffd, ctx =>
        {
            var error = UffdIoctls.Read(ctx, out var message, out var forked);
            if (error != Errno.None)
                return CommandResult.Error(error);
            if (forked is not null)
                message = message with { NewUffd = _uffds.Install(process, forked) };
            return CommandResult.FromMessage(message);
        });

    public CommandResult Close(int process, int uffd)
    {
        if (!TryGetMm(process, out _, out var error))
            return error;
        return Finish(_uffds.Close(process, uffd) ? CommandResult.Ok() : CommandResult.Error(Errno.EBADF));
    }

    public CommandResult Touch(int process, ulong address, bool write, byte value) =>
        WithMm(process, mm => Start(new TouchTask(mm, address, write, value, NextThreadId())));

    public CommandResult Fill(int process, ulong address, ulong size, BytePattern pattern) =>
        WithMm(process, mm => Start(new RangeAccessTask(mm, address, size, pattern, check: false, NextThreadId())));

    public CommandResult Check(int process, ulong address, ulong size, BytePattern pattern) =>
        WithMm(process, mm => Start(new RangeAccessTask(mm, address, size, pattern, check: true, NextThreadId())));

    public CommandResult Pagemap(int process, ulong address, ulong size) =>
        WithMm(process, mm => CommandResult.FromPagemap(Pluggable.Core.Mm.Pagemap.Read(mm, address, size)));

    public CommandResult Gup(int process, GupRequest request) =>
        WithMm(process, mm =>
        {
            var flags = request.Pin ? GupFlags.Pin : GupFlags.Get;
            if (request.Write) flags |= GupFlags.Write;
            if (request.Force) flags |= GupFlags.Force;
            if (request.LongTerm) flags |= GupFlags.LongTerm;
            if (request.FastOnly) flags |= GupFlags.FastOnly;
            bool fast = request.Fast || request.FastOnly;
            if (!fast && !request.Pin)
                flags |= GupFlags.Touch;
            ulong start = request.Address & _system.Geometry.PageMask;
            var call = new GetUserPages(mm, start, request.Pages, flags, fast);
            return Start(new GupTask(mm, call, start, request.Dump, pages => _pins.Add(process, start, pages, _system.PageShift), FormatAddress));
        });

    public CommandResult GupSyscall(int process, GupSyscallRequest request) =>
        WithMm(process, mm =>
        {
            var profile = request.Kind switch
            {
                GupSyscallKind.ProcessVmReadv => GupSyscallProfile.ProcessVmReadv,
                GupSyscallKind.ProcessVmWritev => GupSyscallProfile.ProcessVmWritev,
                GupSyscallKind.ProcMemRead => GupSyscallProfile.ProcMemRead,
                GupSyscallKind.ProcMemWrite => GupSyscallProfile.ProcMemWrite,
                GupSyscallKind.DirectRead => GupSyscallProfile.DirectRead,
                GupSyscallKind.DirectWrite => GupSyscallProfile.DirectWrite,
                GupSyscallKind.GetMempolicy => GupSyscallProfile.GetMempolicy,
                GupSyscallKind.FutexWakeOp => GupSyscallProfile.FutexWakeOp,
                _ => GupSyscallProfile.Vmsplice,
            };
            var pattern = request.Pattern;
            ulong pageSize = (ulong)_system.PageSize;
            var call = new Gup.Syscalls.GupSyscall(mm, profile, request.Address, request.Size, offset => pattern.At(offset / pageSize));
            return Start(new GupSyscallTask(mm, call, request));
        });

    public CommandResult LongTermPin(int process, LongTermPinRequest request) =>
        WithMm(process, mm =>
        {
            if (_longTermPins.Has(process, request.Name))
                return CommandResult.Error(Errno.EBUSY);
            var pin = new LongTermPin(mm, request.Kind, request.Address, request.Size);
            _longTermPins.Reserve(process, request.Name);
            return Start(new LongTermPinTask(mm, pin, held => _longTermPins.Settle(process, request.Name, held)));
        });

    public CommandResult EndLongTermPin(int process, LongTermPinKind kind, string name) =>
        WithMm(process, _ => _longTermPins.Release(process, name) ? CommandResult.Ok() : CommandResult.Error(Errno.EBADF));

    public CommandResult Unpin(int process, ulong address, ulong pages) =>
        WithMm(process, _ => EmulatorResults.FromErrno(_pins.Release(_system, process, address & _system.Geometry.PageMask, pages)));

    public CommandResult Refs(int process, ulong address, ulong size) =>
        WithMm(process, mm => CommandResult.Ok(FolioCountsText.Format(_system, Pluggable.Core.Mm.Pagemap.Read(mm, address, size))));

    public CommandResult Dump(int process, ulong address, ulong size) =>
        WithMm(process, mm =>
        {
            var result = CommandResult.Ok();
            result.Detail = PageTableDump.Describe(mm.Tables, address, size, FormatAddress);
            return result;
        });

    public CommandResult Trace(bool on)
    {
        _trace.Enabled = on;
        return CommandResult.Ok();
    }

    public IReadOnlyList<ThreadCompletion> TakeCompletions()
    {
        bool progress = true;
        bool ran = false;
        while (progress)
        {
            progress = false;
            for (int i = 0; i < _parked.Count; i++)
            {
                var task = _parked[i];
                CommandResult? result;
                if (task.Mm.OomKilled || !task.Mm.Alive)
                {
                    ran = true;
                    task.Abandon();
                    result = CommandResult.Signal("SIGKILL");
                }
                else
                {
                    if (task.Waiter is { Woken: false })
                        continue;
                    task.ReleaseWaiter();
                    ran = true;
                    _system.Current = task.Mm;
                    result = EndStep(task, task.Run());
                    progress |= _oomReports.Count > 0;
                    if (result is null)
                        continue;
                }
                _parked.RemoveAt(i);
                _completions.Add(new ThreadCompletion(task.Id, Conclude(result)));
                progress = true;
                break;
            }
        }
        _system.Current = null;
        if (ran)
            _debugVm?.Check();
        var done = _completions.ToArray();
        _completions.Clear();
        return done;
    }

    /// <summary>
    /// Every process exits: sleeping tasks die and drop what they hold, pins go, userfaultfds
    /// close, address spaces and files go; with the checker on, nothing may be left. All within
    /// the run's time limit: when the run was stopped at its limit in the middle of a command, or
    /// the teardown itself reaches the limit, what the machine holds may be half-changed, and
    /// then only its memory is given back.
    /// </summary>
    public void Dispose()
    {
        try
        {
            if (!_system.Deadline.Expired)
                TearDown();
        }
        catch (TimeLimitExceededException)
        {
            // Out of time half-way: the memory is given back below, without the rest of the walk.
        }
        finally
        {
            _system.Dispose();
        }
    }

    private void TearDown()
    {
        foreach (var task in _parked)
            task.Abandon();
        _parked.Clear();
        _pins.ReleaseAll(_system);
        _longTermPins.ReleaseAll();
        _uffds.ReleaseAll();
        foreach (var mm in _processes.Values)
            _system.DestroyMm(mm);
        foreach (var file in _files.Values)
            _system.DropFileReference(file);
        _files.Clear();
        _debugVm?.CheckTeardown();
    }

    private CommandResult StartFill(int process, int uffd, FillKind kind, ulong dst, ulong src, ulong length, ulong mode)
    {
        if (!TryGetMm(process, out var caller, out var error))
            return error;
        if (!_uffds.TryGet(process, uffd, out var file))
            return CommandResult.Error(Errno.EBADF);
        if (kind == FillKind.Poison && !HasIoctl(UffdUapi.IoctlPoison))
            return CommandResult.Error(Errno.EINVAL);
        file.Get();
        return Finish(Start(new FillTask(new FillOperation(file.Context, caller, kind, dst, src, length, mode, NextThreadId()), file)));
    }

    /// <summary>Runs a new task; parks it when it sleeps. The caller finishes the command.</summary>
    private CommandResult Start(EmulatedTask task)
    {
        var result = EndStep(task, task.Run());
        if (result is not null)
            return result;
        task.Id = ++_nextThread;
        _parked.Add(task);
        return CommandResult.Blocked(task.Id);
    }

    /// <summary>Ends a command (<see cref="Conclude"/>); with the checker on, then checks the machine.</summary>
    private CommandResult Finish(CommandResult result)
    {
        result = Conclude(result);
        _debugVm?.Check();
        return result;
    }

    /// <summary>
    /// The end of a command or of a parked thread: the OOM killer acts if the last step went past
    /// the machine's memory; a command whose process was killed answers SIGKILL; the processes
    /// killed meanwhile exit; what the trace recorded and the OOM killer's reports are attached.
    /// </summary>
    private CommandResult Conclude(CommandResult result)
    {
        if (_system.Current is { Alive: true, OomKilled: false } current)
            _system.Checkpoint(current);
        if (_system.Current is { OomKilled: true } && result is not { Kind: ResultKind.Signal, Text: "SIGKILL" })
        {
            var killed = CommandResult.Signal("SIGKILL");
            killed.Detail = result.Detail;
            result = killed;
        }
        foreach (var victim in _system.Oom.TakeVictims())
        {
            _oomReports.Add(victim);
            if (victim.Mm.Alive)
                Exit(victim.Mm);
        }
        var lines = _trace.Drain(AddressFormatter);
        if (lines is not null)
            (result.Detail ??= []).AddRange(lines);
        foreach (var victim in _oomReports)
            (result.Detail ??= []).Add(OomReport(victim));
        _oomReports.Clear();
        return result;
    }

    /// <summary>
    /// A process the OOM killer chose exits: the pins its calls hold are released, its
    /// userfaultfd descriptors closed and its address space torn down. Its parked threads are
    /// answered SIGKILL by <see cref="TakeCompletions"/>.
    /// </summary>
    /// Kernel: do_exit() -> exit_mm() -> mmput() -> exit_mmap(), exit_files(), and the files closed that held the pins.
    private void Exit(MmStruct mm)
    {
        int process = ProcessOf(mm);
        _pins.ReleaseProcess(_system, process);
        _longTermPins.ReleaseProcess(process);
        _uffds.Exit(process);
        _system.DestroyMm(mm);
    }

    /// <summary>The backend's number of the process whose address space <paramref name="mm"/> is.</summary>
    private int ProcessOf(MmStruct mm)
    {
        foreach (var (id, process) in _processes)
        {
            if (process == mm)
                return id;
        }
        throw new InvalidOperationException($"BUG: {mm} belongs to no process of the backend");
    }

    /// <summary>
    /// The end of a command's step (or of a parked task's run): the OOM killer takes back what the
    /// step went past the machine's memory, and a task whose process it killed stops there.
    /// </summary>
    private CommandResult? EndStep(EmulatedTask task, CommandResult? result)
    {
        if (task.Mm.Alive && !task.Mm.OomKilled)
            _system.Checkpoint(task.Mm);
        if (!task.Mm.OomKilled)
            return result;
        if (result is null)
            task.Abandon();
        return CommandResult.Signal("SIGKILL");
    }

    /// <summary>Kernel: the "Out of memory: Killed process" line of dump_header()/__oom_kill_process().</summary>
    private string OomReport(OomVictim victim)
    {
        int process = ProcessOf(victim.Mm);
        string name = AddressFormatter?.FormatProcess(process) ?? process.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
        ulong kib = _system.PageSize / 1024;
        return string.Create(global::System.Globalization.CultureInfo.InvariantCulture,
            $"Out of memory: Killed process {name} (badness {victim.Badness}: anon-rss {(ulong)victim.AnonRss * kib}kB, file-rss {(ulong)victim.FileRss * kib}kB, pgtables {(ulong)victim.TableFrames * kib}kB)");
    }

    /// <summary>The references the checker cannot find in tables and caches: pins, sleeping tasks, open files.</summary>
    private void ReportHolders(ReferenceCensus census)
    {
        _pins.Report(census);
        _longTermPins.Report(census);
        foreach (var task in _parked)
            task.ReportReferences(census);
        foreach (var file in _files.Values)
            census.OpenFile(file);
    }

    private uint NextThreadId() => (uint)(_nextThread + 1);

    private string FormatAddress(ulong address) =>
        AddressFormatter?.Format(address) ?? "0x" + address.ToString("x", global::System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The process's address space, which also becomes the current one for the command; ESRCH once it has exited.</summary>
    private bool TryGetMm(int process, out MmStruct mm, out CommandResult error)
    {
        Begin(process);
        if (_processes.TryGetValue(process, out mm!) && mm.Alive)
        {
            error = CommandResult.OkResult;
            return true;
        }
        error = CommandResult.Error(Errno.ESRCH);
        return false;
    }

    /// <summary>A command starts in <paramref name="process"/> (none: a machine-wide setting).</summary>
    private void Begin(int process) =>
        _system.Current = _processes.TryGetValue(process, out var mm) && mm.Alive ? mm : null;

    private CommandResult WithMm(int process, Func<MmStruct, CommandResult> action) =>
        TryGetMm(process, out var mm, out var error) ? Finish(action(mm)) : error;

    /// <summary>Whether the modelled release has the ioctl; one it does not know is EINVAL (userfaultfd_ioctl()'s default).</summary>
    private bool HasIoctl(int nr) => (_system.Kernel.RangeIoctls & (1UL << nr)) != 0;

    private CommandResult WithUffd(int process, int uffd, Func<UffdContext, CommandResult> action)
    {
        if (!TryGetMm(process, out _, out var error))
            return error;
        return _uffds.TryGet(process, uffd, out var file) ? Finish(action(file.Context)) : CommandResult.Error(Errno.EBADF);
    }
}
