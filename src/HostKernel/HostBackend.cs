using System.Globalization;
using Pluggable.Core;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.HostKernel;

/// <summary>
/// The scenario backend that performs every operation on the machine's own Linux kernel (x86_64):
/// real mappings, real userfaultfds, real forks. Each operation runs on a thread of its own (in
/// this process, or in a child forked by the native shim), since any of them may sleep in the
/// kernel; one that does not finish is reported blocked and its end later, as on the emulator.
/// </summary>
public sealed class HostBackend : IScenarioBackend
{
    /// <summary>Mappings are placed upward from here, far from the runtime's own mappings.</summary>
    internal const ulong MapBase = 0x1000_0000_0000;

    private const ulong PageSize = 4096;
    private const ulong PmdSize = 2UL << 20;
    private const int ReadWaitMilliseconds = 200;
    private const int MapFixedNoreplaceRetries = 64;

    /// <summary>
    /// One live host backend per .NET process: they would share the placement region, and
    /// teardown unmaps all of it. A second one waits for the first to be disposed.
    /// </summary>
    private static readonly SemaphoreSlim Live = new(1, 1);
    private static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(60);

    private readonly Dictionary<int, HostProcess> _processes = [];
    private readonly HostProcess _self;
    private readonly ParkedCalls _parked;
    private readonly SysfsKnobs _knobs = new();
    private readonly ZeroPageFrames _zero;
    private readonly List<int> _selfDescriptors = [];
    private int _nextProcess;
    private int _nextUffd;
    private bool _disposed;

    /// <param name="settleLimit">How long a call that is neither finished nor parked on a userfault is waited for.</param>
    /// <exception cref="HostUnavailableException">This machine cannot run the host backend.</exception>
    public HostBackend(TimeSpan? settleLimit = null)
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            throw new HostUnavailableException(reason);
        if (!Live.Wait(LiveWait))
            throw new InvalidOperationException("another host backend of this process was not disposed: one live host backend per process");
        _parked = new ParkedCalls(settleLimit ?? TimeSpan.FromSeconds(2));
        _self = HostProcess.Self(MapBase);
        _processes[_nextProcess++] = _self;
        try
        {
            _zero = new ZeroPageFrames(ProbeZeroPfn(), PmdSize / PageSize);
        }
        catch
        {
            Live.Release();
            throw;
        }
        Facts = new BackendFacts("x86_64", ["x86-64", "amd64", "x86"], PageSize, DefaultHugePageSize(), PmdSize);
    }

    public string Name => "host";

    public BackendFacts Facts { get; }

    public IAddressFormatter? AddressFormatter { get; set; }

    public CommandResult Hugepages(ulong size, ulong count) => FromErrno(_knobs.Hugepages(size, count));

    public CommandResult Thp(ThpPolicy policy) => FromErrno(_knobs.Thp(policy));

    public CommandResult Memfd(int process, string name, bool hugetlb, ulong size)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        var call = new HostCall(HostOp.Memfd, hugetlb ? 1UL : 0UL, size);
        call.SetName(name);
        return _parked.Run(p, call, c =>
        {
            if (c.Ret < 0)
                return ErrnoOf(c);
            p.Files[name] = (int)c.Ret;
            Own(p, (int)c.Ret);
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
        ulong alignment = Math.Max(PmdSize, request.Align);
        if ((alignment & (alignment - 1)) != 0)
            return CommandResult.Error(Errno.EINVAL);
        const int mapShared = 0x01, mapPrivate = 0x02, mapAnonymous = 0x20, mapPopulate = 0x8000;
        int flags = (request.Shared ? mapShared : mapPrivate) | (request.File is null ? mapAnonymous : 0) | (request.Populate ? mapPopulate : 0);

        ulong start = AlignUp(p.NextFree, alignment);
        for (int attempt = 0; ; attempt++)
        {
            var call = new HostCall(HostOp.Mmap, start, request.Size, (ulong)request.Protection, (ulong)flags, fd, request.Offset);
            bool taken = false;
            ulong at = start;
            var result = _parked.Run(p, call, c =>
            {
                taken = c.Ret < 0 && c.Err == (int)Errno.EEXIST;
                return c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok();
            });
            if (taken && attempt < MapFixedNoreplaceRetries)
            {
                // Something of the runtime's sits there: try the next slot.
                start = AlignUp(start + PmdSize, alignment);
                continue;
            }
            if (result.Kind is ResultKind.Ok or ResultKind.Blocked)
            {
                address = at;
                p.NextFree = AlignUp(at + request.Size, PmdSize) + PmdSize;
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
        ulong target = AlignUp(p.NextFree, PmdSize);
        newAddress = target;
        var result = _parked.Run(p, new HostCall(HostOp.Mremap, address, oldSize, newSize, target), c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok());
        if (result.Kind is ResultKind.Ok or ResultKind.Blocked)
            p.NextFree = AlignUp(target + newSize, PmdSize) + PmdSize;
        return result;
    }

    public CommandResult Fork(int process, out int child)
    {
        child = -1;
        if (!TryProcess(process, out var p))
            return Esrch;
        int number = _nextProcess++;
        var forked = p.ForkChild(number);
        _processes[number] = forked;
        child = number;
        var result = _parked.Run(p, new HostCall(HostOp.Fork), c =>
        {
            if (c.Ret < 0)
            {
                _processes.Remove(number);
                return ErrnoOf(c);
            }
            forked.Attach((int)c.Ret, p.IsSelf ? (int)c.V(0) : c.PassedFd);
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
        var result = _parked.Run(p, new HostCall(HostOp.Uffd, flags, options.ViaDevice ? 1UL : 0UL), c =>
        {
            if (c.Ret < 0)
                return ErrnoOf(c);
            p.Uffds[handle] = (int)c.Ret;
            Own(p, (int)c.Ret);
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
            p.Uffds.Remove(uffd, out int fd);
            if (p.IsSelf)
                _selfDescriptors.Remove(fd);
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
        return CommandResult.FromPagemap(PagemapReader.Read(p.Pid, address, size, PageSize, MapBase, p.NextFree, _zero));
    }

    public CommandResult Gup(int process, GupRequest request) => CommandResult.Unsupported();

    public CommandResult Unpin(int process, ulong address, ulong pages) => CommandResult.Unsupported();

    public CommandResult Dump(int process, ulong address, ulong size) => CommandResult.Unsupported();

    public CommandResult Trace(bool on) => CommandResult.Unsupported();

    public IReadOnlyList<ThreadCompletion> TakeCompletions() => _parked.TakeCompletions();

    /// <summary>
    /// Kills the children (and the threads parked in them), closes this process's userfaultfds
    /// (which wakes every thread parked on them), unmaps everything the scenario mapped, closes
    /// the remaining descriptors and puts the machine-wide settings back.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var process in _processes.Values.Reverse())
            process.Kill();
        foreach (int fd in _self.Uffds.Values)
            NativeMethods.Close(fd);
        foreach (int fd in _selfDescriptors)
        {
            if (!_self.Uffds.ContainsValue(fd))
                NativeMethods.Close(fd);
        }
        _self.Uffds.Clear();
        _selfDescriptors.Clear();
        _parked.Drain(TimeSpan.FromSeconds(2));
        NativeMethods.Munmap(MapBase, _self.NextFree - MapBase);
        _knobs.Restore();
        _zero.Dispose();
        Live.Release();
    }

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

    private bool TryProcess(int process, out HostProcess p) =>
        _processes.TryGetValue(process, out p!) && p.Alive;

    private void Own(HostProcess p, int fd)
    {
        if (p.IsSelf)
            _selfDescriptors.Add(fd);
    }

    private CommandResult Simple(int process, HostOp op, params ulong[] args)
    {
        if (!TryProcess(process, out var p))
            return Esrch;
        return _parked.Run(p, new HostCall(op, args), c => c.Ret < 0 ? ErrnoOf(c) : CommandResult.Ok());
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
        return _parked.Run(p, new HostCall(op, all), finish);
    }

    private CommandResult Access(int process, HostCall call, Func<HostCall, CommandResult> finish)
    {
        if (!TryProcess(process, out var p))
        {
            call.Dispose();
            return Esrch;
        }
        return _parked.Run(p, call, c => c.Sig switch
        {
            0 => finish(c),
            NativeMethods.SigBus => CommandResult.Signal("SIGBUS"),
            NativeMethods.SigSegv => CommandResult.Signal("SIGSEGV"),
            _ => CommandResult.Signal($"signal {c.Sig}"),
        });
    }

    private static HostCall RangeCall(HostOp op, ulong address, ulong size, BytePattern pattern) =>
        new(op, address, size, pattern.PageIndex ? 1UL : 0UL, pattern.Value, PageSize);

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
                Own(reader, fd);
                return new UffdMessage(ev, 0, 0, 0, 0, handle, 0);
            }
            case UffdEvent.Remap:
                return new UffdMessage(ev, w1, 0, w2, w3, 0, 0);
            default:
                return new UffdMessage(ev, w1, 0, 0, w2 - w1, 0, 0);
        }
    }

    /// <summary>Maps, reads and looks up one fresh private anonymous page, which the kernel backs with the zero page.</summary>
    private unsafe ulong ProbeZeroPfn()
    {
        const int protRead = 1, mapPrivateAnonymous = 0x22;
        using var map = new HostCall(HostOp.Mmap, MapBase, PageSize, protRead, mapPrivateAnonymous, ulong.MaxValue, 0);
        NativeMethods.Exec(map.Data);
        if (map.Ret < 0)
            throw new HostUnavailableException($"cannot map a probe page: {(Errno)map.Err}");
        try
        {
            using var touch = new HostCall(HostOp.Touch, MapBase, 0, 0);
            NativeMethods.Exec(touch.Data);
            ulong pfn = PagemapEntry.Pfn(PagemapReader.ReadEntries(Environment.ProcessId, MapBase, 1, PageSize)[0]);
            if (pfn == 0)
                throw new HostUnavailableException("pagemap shows no page frame numbers here (CAP_SYS_ADMIN is needed)");
            return pfn;
        }
        finally
        {
            NativeMethods.Munmap(MapBase, PageSize);
        }
    }

    /// <summary>The default huge page size (Hugepagesize in /proc/meminfo), 2 MiB on x86_64.</summary>
    private static ulong DefaultHugePageSize()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (!line.StartsWith("Hugepagesize:", StringComparison.Ordinal))
                continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong kb))
                return kb * 1024;
        }
        return PmdSize;
    }
}
