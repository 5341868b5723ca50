using Pluggable.Core.Gup.Syscalls;
using System.Globalization;
using Pluggable.Core;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.HostKernel;

/// <summary>
/// The scenario backend that performs every operation on the machine's own Linux kernel (x86_64):
/// real mappings, real userfaultfds, real forks. The scenario's processes are a worker executable
/// and its forks, in a process group of their own; each operation runs on a worker thread of its
/// process, since any of them may sleep in the kernel; one that parks on a userfault is reported
/// blocked and its end later, as on the emulator.
/// </summary>
/// <remarks>
/// A run holds the machine lock (<see cref="HostBackendOptions.LockPath"/>) from its start until
/// its teardown has killed the scenario's processes and put the machine-wide settings back. One
/// host backend is live per .NET process: a new one ends the previous one first (whose run was
/// given up, e.g. at its time limit), and so does the end of the process (exit, SIGINT, SIGTERM,
/// an unhandled exception).
/// </remarks>
public sealed class HostBackend : IScenarioBackend
{
    /// <summary>Mappings are placed upward from here, far from the worker's own mappings.</summary>
    internal const ulong MapBase = 0x1000_0000_0000;

    private const int ReadWaitMilliseconds = 200;
    private const int MapFixedNoreplaceRetries = 64;

    private readonly Dictionary<int, HostProcess> _processes = [];
    private readonly ITargetKernel _kernel;
    private readonly ParkedCalls _parked;
    private readonly ulong _pageSize;
    private readonly ulong _pmdSize;
    private readonly IMachineSettings _machine;
    private readonly ScenarioGroup _group;
    private readonly ZeroPageFrames _zero;
    private readonly TextWriter _notices;
    private readonly object _teardown = new();
    private volatile string? _endedBy;
    private bool _abandoned;
    private int _nextProcess;
    private int _nextUffd;

    /// <exception cref="HostUnavailableException">This machine cannot run the host backend.</exception>
    public HostBackend(HostBackendOptions? options = null)
        : this(LocalKernel.Instance, options)
    {
    }

    /// <summary>A run on <paramref name="kernel"/>: this machine's, or a VM's.</summary>
    internal HostBackend(ITargetKernel kernel, HostBackendOptions? options = null)
    {
        options ??= new HostBackendOptions();
        _kernel = kernel;
        _notices = options.Notices;
        Facts = kernel.Facts;
        _pageSize = Facts.PageSize;
        _pmdSize = Facts.PmdSize;
        _parked = new ParkedCalls(kernel);
        ulong zeroPfn = kernel.ZeroPfn;
        LiveHostRun.EndPrevious();
        _machine = kernel.TakeMachine(options);
        try
        {
            _group = ScenarioGroup.Spawn(kernel, _machine.LockDescriptor, kernel.MapBase);
        }
        catch
        {
            _machine.RestoreAndRelease();
            throw;
        }
        _zero = new ZeroPageFrames(zeroPfn, _pmdSize / _pageSize, kernel.IsZeroPageFrame);
        _processes[_nextProcess++] = _group.First;
        LiveHostRun.Enter(this);
    }

    public string Name => _kernel.Name;

    public BackendFacts Facts { get; }

    public IAddressFormatter? AddressFormatter { get; set; }

    public CommandResult Hugepages(ulong size, ulong count) => Setting(() => _machine.Hugepages(size, count, !_parked.Any));

    public CommandResult Thp(ThpPolicy policy) => Setting(() => _machine.Thp(policy, !_parked.Any));

    public CommandResult Memfd(int process, string name, bool hugetlb, ulong size, ulong hugePageSize = 0)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        // The size goes to the kernel as its log2 (MFD_HUGE_*); the runner lets only powers of two through.
        ulong log = hugePageSize == 0 ? 0 : (ulong)System.Numerics.BitOperations.Log2(hugePageSize);
        var call = new HostCall(HostOp.Memfd, hugetlb ? 1UL : 0UL, size, log);
        call.SetName(name);
        return Run(p, call, c =>
        {
            if (c.Ret < 0)
                return ErrnoOf(c);
            p.Files[name] = (int)c.Ret;
            if (hugetlb)
                p.HugetlbFiles.Add(name);
            return CommandResult.Ok();
        });
    }

    public CommandResult Mmap(int process, MmapRequest request, out ulong address)
    {
        address = 0;
        if (!TryProcess(process, out var p))
            return Esrch;
        ulong fd = ulong.MaxValue;
        if (request.File is not null)
        {
            if (!p.Files.TryGetValue(request.File, out int file))
                return CommandResult.ScriptError($"unknown memory file '{request.File}'");
            fd = (ulong)file;
        }
        ulong alignment = Math.Max(_pmdSize, request.Align);
        if ((alignment & (alignment - 1)) != 0)
            return CommandResult.Error(Errno.EINVAL);
        const int mapShared = 0x01, mapPrivate = 0x02, mapAnonymous = 0x20, mapPopulate = 0x8000;
        int flags = (request.Shared ? mapShared : mapPrivate) | (request.File is null ? mapAnonymous : 0) | (request.Populate ? mapPopulate : 0);

        // A kernel with one page size per region gives each hugetlb mapping regions of its own.
        bool ownRegion = _kernel.HugetlbRegion != 0 && request.File is { } name && p.HugetlbFiles.Contains(name);
        if (ownRegion)
            alignment = Math.Max(alignment, _kernel.HugetlbRegion);
        ulong start = AlignUp(ownRegion ? Math.Max(p.NextHugetlb, _kernel.HugetlbBase) : p.NextFree, alignment);
        for (int attempt = 0; ; attempt++)
        {
            var call = new HostCall(HostOp.Mmap, start, request.Size, (ulong)request.Protection, (ulong)flags, fd, request.Offset);
            bool taken = false;
            ulong at = start;
            var result = Run(p, call, c =>
            {
                taken = c.Ret < 0 && c.Err == (int)Errno.EEXIST;
                return c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok();
            });
            if (taken && attempt < MapFixedNoreplaceRetries)
            {
                // Something of the runtime's sits there: try the next slot.
                start = AlignUp(start + _pmdSize, alignment);
                continue;
            }
            if (result.Kind is ResultKind.Ok or ResultKind.Blocked)
            {
                address = at;
                if (ownRegion)
                {
                    p.NextHugetlb = AlignUp(at + request.Size, _kernel.HugetlbRegion);
                    p.HugetlbRanges.Add((at, at + request.Size));
                }
                else
                {
                    p.NextFree = AlignUp(at + request.Size, _pmdSize) + _pmdSize;
                }
            }
            return result;
        }
    }

    public CommandResult Munmap(int process, ulong address, ulong size) => Simple(process, HostOp.Munmap, address, size);

    public CommandResult Mprotect(int process, ulong address, ulong size, Protection protection) =>
        Simple(process, HostOp.Mprotect, address, size, (ulong)protection);

    public CommandResult Madvise(int process, ulong address, ulong size, Advice advice) =>
        Simple(process, HostOp.Madvise, address, size, AdviceNumber(advice));

    /// <summary>MADV_* values of include/uapi/asm-generic/mman-common.h.</summary>
    internal static ulong AdviceNumber(Advice advice) => advice switch
    {
        Advice.DontNeed => 4,
        Advice.Remove => 9,
        Advice.HugePage => 14,
        Advice.NoHugePage => 15,
        Advice.PageOut => 21,
        Advice.PopulateRead => 22,
        Advice.PopulateWrite => 23,
        Advice.Collapse => 25,
        _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, "an advice the language does not have"),
    };

    public CommandResult Mremap(int process, ulong address, ulong oldSize, ulong newSize, out ulong newAddress)
    {
        newAddress = 0;
        if (!TryProcess(process, out var p))
            return Esrch;
        ulong target;
        if (_kernel.HugetlbRegion != 0 && p.HugetlbRanges.Exists(r => address >= r.Start && address < r.End))
        {
            target = AlignUp(Math.Max(p.NextHugetlb, _kernel.HugetlbBase), _kernel.HugetlbRegion);
            p.NextHugetlb = AlignUp(target + newSize, _kernel.HugetlbRegion);
            p.HugetlbRanges.Add((target, target + newSize));
        }
        else
        {
            target = AlignUp(p.NextFree, _pmdSize);
            // The place is used up even when the call fails: a move of several VMAs that fails part-way
            // (6.17+) leaves the first ones there, and the next mremap must not land on them.
            p.NextFree = AlignUp(target + newSize, _pmdSize) + _pmdSize;
        }
        newAddress = target;
        return Run(p, new HostCall(HostOp.Mremap, address, oldSize, newSize, target), c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok());
    }

    public CommandResult Fork(int process, out int child)
    {
        child = -1;
        if (!TryProcess(process, out var p))
            return Esrch;
        int number = _nextProcess++;
        var forked = p.ForkChild(number);
        _processes[number] = forked;
        _group.Add(forked);
        child = number;
        var result = Run(p, new HostCall(HostOp.Fork), c =>
        {
            if (c.Ret < 0)
            {
                _processes.Remove(number);
                return ErrnoOf(c);
            }
            forked.Attach((int)c.Ret, c.Passed!);
            return CommandResult.Ok();
        });
        if (result.Kind is not (ResultKind.Ok or ResultKind.Blocked))
            child = -1;
        return result;
    }

    public CommandResult UffdCreate(int process, UffdCreateOptions options, out int uffd)
    {
        uffd = -1;
        if (!TryProcess(process, out var p))
            return Esrch;
        int handle = ++_nextUffd;
        ulong flags = (ulong)(UffdUapi.OCloexec | (options.NonBlock ? UffdUapi.ONonBlock : 0) | (options.UserModeOnly ? UffdUapi.UserModeOnly : 0));
        var result = Run(p, new HostCall(HostOp.Uffd, flags, options.ViaDevice ? 1UL : 0UL), c =>
        {
            if (c.Ret < 0)
                return ErrnoOf(c);
            p.Uffds[handle] = (int)c.Ret;
            return CommandResult.Ok();
        });
        if (result.Kind == ResultKind.Ok)
            uffd = handle;
        return result;
    }

    public CommandResult UffdApi(int process, int uffd, ulong features, ulong api) => OnUffd(process, uffd, HostOp.Api, api, features);

    public CommandResult Register(int process, int uffd, ulong start, ulong length, ulong modes) =>
        OnUffd(process, uffd, HostOp.Register, [start, length, modes], c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok(UffdUapi.FormatIoctls(c.V(0))));

    public CommandResult Unregister(int process, int uffd, ulong start, ulong length) => OnUffd(process, uffd, HostOp.Unregister, start, length);

    public CommandResult Copy(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode) =>
        OnUffd(process, uffd, HostOp.Copy, [dst, src, length, mode], FillResult);

    public CommandResult Zeropage(int process, int uffd, ulong dst, ulong length, ulong mode) =>
        OnUffd(process, uffd, HostOp.Zeropage, [dst, length, mode], FillResult);

    public CommandResult Continue(int process, int uffd, ulong dst, ulong length, ulong mode) =>
        OnUffd(process, uffd, HostOp.Continue, [dst, length, mode], FillResult);

    public CommandResult Poison(int process, int uffd, ulong dst, ulong length, ulong mode) =>
        OnUffd(process, uffd, HostOp.Poison, [dst, length, mode], FillResult);

    public CommandResult Move(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode) =>
        OnUffd(process, uffd, HostOp.Move, [dst, src, length, mode], FillResult);

    public CommandResult WriteProtect(int process, int uffd, ulong start, ulong length, ulong mode) =>
        OnUffd(process, uffd, HostOp.WriteProtect, start, length, mode);

    public CommandResult Wake(int process, int uffd, ulong start, ulong length) => OnUffd(process, uffd, HostOp.Wake, start, length);

    public CommandResult Read(int process, int uffd)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        return OnUffd(process, uffd, HostOp.Read, [ReadWaitMilliseconds], c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.FromMessage(Message(p, c)));
    }

    public CommandResult Close(int process, int uffd)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        return OnUffd(process, uffd, HostOp.Close, [], c =>
        {
            if (c.Ret < 0)
                return ErrnoOf(c);
            p.Uffds.Remove(uffd);
            return CommandResult.Ok();
        });
    }

    public CommandResult Touch(int process, ulong address, bool write, byte value) =>
        Access(process, new HostCall(HostOp.Touch, address, write ? 1UL : 0UL, value),
            c => write ? CommandResult.Ok() : CommandResult.Ok($"0x{(byte)c.Ret:x2}"));

    public CommandResult Fill(int process, ulong address, ulong size, BytePattern pattern) =>
        Access(process, RangeCall(HostOp.Fill, address, size, pattern), _ => CommandResult.Ok());

    public CommandResult Check(int process, ulong address, ulong size, BytePattern pattern) =>
        Access(process, RangeCall(HostOp.Check, address, size, pattern),
            c => c.Ret == 1 ? CommandResult.Mismatch(c.V(0), (byte)c.V(1), (byte)c.V(2)) : CommandResult.Ok());

    public CommandResult Pagemap(int process, ulong address, ulong size)
    {
        if (!TryProcess(process, out var p) || p.Pid <= 0)
            return Esrch;
        return CommandResult.FromPagemap(_kernel.Pagemap(p.Pid, address, size, _kernel.MapBase, Math.Max(p.NextFree, p.NextHugetlb), _zero));
    }

    /// <summary>The system call itself, made by a thread of the scenario process on its own range (pluggable_host.c gup_syscall()).</summary>
    public CommandResult GupSyscall(int process, GupSyscallRequest request) =>
        Access(process, new HostCall(HostOp.GupSyscall, request.Address, request.Size, request.Pattern.PageIndex ? 1UL : 0UL,
                request.Pattern.Value, _pageSize, (ulong)request.Kind),
            c => c.Ret < 0 ? ErrnoOf(c) : request.Done(c.Ret, (long)c.V(0)));

    /// <summary>A new io_uring ring or AF_XDP socket registers the range and stays open under the name (pluggable_host.c longterm_pin()).</summary>
    public CommandResult LongTermPin(int process, LongTermPinRequest request)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        if (p.LongTermPins.ContainsKey(request.Name))
            return CommandResult.Error(Errno.EBUSY);
        // Taken while the call runs (it may sleep on a userfault), so that a second one is EBUSY.
        p.LongTermPins[request.Name] = -1;
        return Access(process, new HostCall(HostOp.LongTermPin, request.Address, request.Size, 0, 0, 0, (ulong)request.Kind), c =>
        {
            if (c.Ret < 0)
            {
                p.LongTermPins.Remove(request.Name);
                return ErrnoOf(c);
            }
            p.LongTermPins[request.Name] = (int)c.Ret;
            return CommandResult.Ok();
        });
    }

    public CommandResult EndLongTermPin(int process, LongTermPinKind kind, string name)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        if (!p.LongTermPins.TryGetValue(name, out int fd) || fd < 0)
            return CommandResult.Error(Errno.EBADF);
        p.LongTermPins.Remove(name);
        return Run(p, new HostCall(HostOp.LongTermEnd, (ulong)fd, 0, 0, 0, 0, (ulong)kind), c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok());
    }

    public CommandResult Gup(int process, GupRequest request) => CommandResult.Unsupported();

    public CommandResult Unpin(int process, ulong address, ulong pages) => CommandResult.Unsupported();

    public CommandResult Refs(int process, ulong address, ulong size) => CommandResult.Unsupported();

    public CommandResult Dump(int process, ulong address, ulong size) => CommandResult.Unsupported();

    public CommandResult Trace(bool on) => CommandResult.Unsupported();

    /// <exception cref="OutsideChangeException">A machine-wide setting changed, not by this run.</exception>
    public IReadOnlyList<ThreadCompletion> TakeCompletions()
    {
        ThrowIfEnded();
        var completions = _parked.TakeCompletions();
        ThrowIfEnded();
        _machine.CheckUnchanged(poolsSettled: !_parked.Any);
        return completions;
    }

    /// <summary>
    /// Kills every process of the scenario (and with them every thread parked in them, forks
    /// waiting for their event, queued events), then puts the machine-wide settings back and
    /// releases the machine lock.
    /// </summary>
    /// <exception cref="OutsideChangeException">The machine is not as the run found it, and this run did not change it so.</exception>
    /// <exception cref="InvalidOperationException">A scenario process outlived SIGKILL, or a setting could not be put back.</exception>
    public void Dispose()
    {
        var (survivors, failures, changes) = End("its teardown");
        // Here, on the run's own thread, nothing looks at the calls any more (after a run given up too).
        _group.CloseChannels();
        var problems = survivors.Select(s => $"scenario process {s} is still there after SIGKILL").Concat(failures).ToList();
        if (changes.Count > 0)
            throw new OutsideChangeException(_machine.LockPath, [.. changes, .. problems]);
        if (problems.Count > 0)
            throw new InvalidOperationException("the host run's teardown is incomplete: " + string.Join("; ", problems));
    }

    /// <summary>
    /// The teardown, once, whoever asks first: the run itself, a newer host backend of this process
    /// (the run was given up), or the process on its way out — so it touches nothing the run's
    /// thread may still be using. Reports what it could not undo and what the machine shows that
    /// this run did not do (nothing for a run given up).
    /// </summary>
    internal (IReadOnlyList<string> Survivors, IReadOnlyList<string> Failures, IReadOnlyList<string> Changes) End(string by)
    {
        lock (_teardown)
        {
            if (_endedBy is not null)
                return ([], [], []);
            _endedBy = by;
            try
            {
                var survivors = _group.End();
                var (failures, changes) = _machine.RestoreAndRelease();
                if (!_abandoned)
                    return (survivors, failures, changes);
                // Nobody waits for this run's answer any more: what could not be undone is still worth telling.
                foreach (var problem in survivors.Select(s => $"scenario process {s} is still there after SIGKILL").Concat(failures))
                    _notices.WriteLine($"pluggable: host teardown: {problem}");
                _notices.Flush();
                return ([], [], []);
            }
            finally
            {
                LiveHostRun.Leave(this);
            }
        }
    }

    /// <summary>The run is given up (<paramref name="by"/>: a newer host backend, a signal, the process's exit): its teardown reports nothing.</summary>
    internal void Abandon(string by)
    {
        lock (_teardown)
            _abandoned = true;
        End(by);
    }

    /// <summary>The pid of a scenario process, for tests.</summary>
    internal int PidOf(int process) => _processes.TryGetValue(process, out var p) ? p.Pid : 0;

    /// <summary>The scenario's process group, for tests.</summary>
    internal int ProcessGroup => _group.Id;

    private static CommandResult Esrch => CommandResult.Error(Errno.ESRCH);

    private static CommandResult FromErrno(Errno errno) => errno == Errno.None ? CommandResult.Ok() : CommandResult.Error(errno);

    private static CommandResult ErrnoOf(HostCall call) => CommandResult.Error((Errno)call.Err);

    /// <summary>COPY and friends: the byte count, or the errno with the bytes done when there was progress.</summary>
    /// Kernel: userfaultfd_copy() turns partial progress into -EAGAIN and reports it in the copy field.
    internal static CommandResult FillResult(HostCall call) => FillResult(call.Ret, call.Err, (long)call.V(0));

    internal static CommandResult FillResult(long ret, int err, long field)
    {
        if (ret == 0)
            return CommandResult.FromBytes(field);
        return field > 0 ? CommandResult.Error((Errno)err, field) : CommandResult.Error((Errno)err);
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    private bool TryProcess(int process, out HostProcess p)
    {
        ThrowIfEnded();
        return _processes.TryGetValue(process, out p!) && p.Alive;
    }

    private void ThrowIfEnded()
    {
        if (_endedBy is { } by)
            throw new HostRunEndedException(by);
    }

    /// <summary>
    /// Runs a call; a call cut short because the run was ended meanwhile has no answer of the
    /// kernel's (its process was killed), so it says that instead of an errno.
    /// </summary>
    private CommandResult Run(HostProcess p, HostCall call, Func<HostCall, CommandResult> finish)
    {
        var result = _parked.Run(p, call, finish);
        ThrowIfEnded();
        return result;
    }

    /// <summary>A machine-wide setting: changed under the teardown's lock, so that none is changed after the settings were put back.</summary>
    private CommandResult Setting(Func<Errno> change)
    {
        lock (_teardown)
        {
            ThrowIfEnded();
            return FromErrno(change());
        }
    }

    private CommandResult Simple(int process, HostOp op, params ulong[] args)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        return Run(p, new HostCall(op, args), c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok());
    }

    private CommandResult OnUffd(int process, int uffd, HostOp op, params ulong[] args) =>
        OnUffd(process, uffd, op, args, c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok());

    /// <summary>An operation on a userfaultfd: its descriptor in this process is the first argument.</summary>
    private CommandResult OnUffd(int process, int uffd, HostOp op, ulong[] args, Func<HostCall, CommandResult> finish)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        if (!p.Uffds.TryGetValue(uffd, out int fd))
            return CommandResult.Error(Errno.EBADF);
        var all = new ulong[args.Length + 1];
        all[0] = (ulong)fd;
        args.CopyTo(all, 1);
        return Run(p, new HostCall(op, all), finish);
    }

    private CommandResult Access(int process, HostCall call, Func<HostCall, CommandResult> finish)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        return Run(p, call, c => c.Sig switch
        {
            0 => finish(c),
            NativeMethods.SigBus => CommandResult.Signal("SIGBUS"),
            NativeMethods.SigSegv => CommandResult.Signal("SIGSEGV"),
            _ => CommandResult.Signal($"signal {c.Sig}"),
        });
    }

    private HostCall RangeCall(HostOp op, ulong address, ulong size, BytePattern pattern) =>
        new(op, address, size, pattern.PageIndex ? 1UL : 0UL, pattern.Value, _pageSize);

    /// <summary>Decodes the <c>struct uffd_msg</c> words; a fork event's descriptor becomes a handle of the reader.</summary>
    /// Kernel: struct uffd_msg (include/uapi/linux/userfaultfd.h).
    private UffdMessage Message(HostProcess reader, HostCall call)
    {
        var ev = (UffdEvent)(byte)call.V(0);
        ulong w1 = call.V(1), w2 = call.V(2), w3 = call.V(3);
        switch (ev)
        {
            case UffdEvent.PageFault:
                return new UffdMessage(ev, w2, w1, 0, 0, 0, (uint)w3);
            case UffdEvent.Fork:
            {
                int fd = (int)(uint)w1;
                int handle = ++_nextUffd;
                reader.Uffds[handle] = fd;
                return new UffdMessage(ev, 0, 0, 0, 0, handle, 0);
            }
            case UffdEvent.Remap:
                return new UffdMessage(ev, w1, 0, w2, w3, 0, 0);
            default:
                return new UffdMessage(ev, w1, 0, 0, w2 - w1, 0, 0);
        }
    }
}

/// <summary>The host run was ended before the scenario finished; its processes are gone and the machine settings restored.</summary>
public sealed class HostRunEndedException(string by)
    : Exception($"the host run was ended by {by} (its processes killed, the machine settings restored)");
