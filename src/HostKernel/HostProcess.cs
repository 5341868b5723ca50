using System.Collections.Concurrent;

namespace Pluggable.HostKernel;

/// <summary>
/// One process of a scenario on the host: the worker spawned as process 0, or a fork of one,
/// serving operations over a socket. Holds the process's own descriptors (userfaultfds by the
/// backend's handle, memory files by name), which a fork copies, as the kernel copies the
/// descriptor table.
/// </summary>
/// Kernel: task_struct + files_struct, as far as a scenario sees them.
internal sealed class HostProcess
{
    private static readonly TimeSpan ReaderJoin = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<int, HostCall> _inFlight = new();
    private readonly object _sending = new();
    private IProcessChannel? _channel;
    private volatile bool _ended;
    private Thread? _reader;

    private HostProcess(int number) => Number = number;

    /// <summary>Process 0, spawned with <paramref name="channel"/> as its socket.</summary>
    public static HostProcess First(int pid, IProcessChannel channel, ulong mapBase)
    {
        var first = new HostProcess(0) { NextFree = mapBase };
        first.Attach(pid, channel);
        return first;
    }

    public int Number { get; }

    /// <summary>The kernel's pid; 0 while the fork that makes this process has not returned.</summary>
    public int Pid { get; private set; }

    public bool Alive => Pid > 0 && !_ended;

    /// <summary>Userfaultfds open in this process: the backend's handle to the descriptor number.</summary>
    public Dictionary<int, int> Uffds { get; private init; } = [];

    /// <summary>Memory files open in this process, by scenario name.</summary>
    public Dictionary<string, int> Files { get; private init; } = [];

    /// <summary>The descriptors holding long-term pins (io_uring rings, AF_XDP sockets), by name; not inherited by a fork child.</summary>
    public Dictionary<string, int> LongTermPins { get; } = [];

    /// <summary>Where the next mapping may start (the placement rule of the scenario contract).</summary>
    public ulong NextFree { get; set; }

    /// <summary>Where the next hugetlb mapping may start, on a kernel that gives them regions of their own.</summary>
    public ulong NextHugetlb { get; set; }

    /// <summary>Memory files of hugetlbfs, by scenario name.</summary>
    public HashSet<string> HugetlbFiles { get; private init; } = [];

    /// <summary>The hugetlb mappings made in regions of their own, as (start, end).</summary>
    public List<(ulong Start, ulong End)> HugetlbRanges { get; private init; } = [];

    /// <summary>The child as the fork leaves it: the parent's descriptors and placement state.</summary>
    public HostProcess ForkChild(int number) => new(number)
    {
        Uffds = new Dictionary<int, int>(Uffds),
        Files = new Dictionary<string, int>(Files),
        NextFree = NextFree,
        NextHugetlb = NextHugetlb,
        HugetlbFiles = [.. HugetlbFiles],
        HugetlbRanges = [.. HugetlbRanges],
    };

    /// <summary>The fork returned: the child's pid and the socket to its command loop.</summary>
    public void Attach(int pid, IProcessChannel channel)
    {
        Pid = pid;
        lock (_sending)
            _channel = channel;
        _reader = new Thread(ReadReplies) { IsBackground = true, Name = $"host process {Number} replies" };
        _reader.Start();
    }

    /// <summary>
    /// Sends a call to the process, where a worker thread runs it. False when the process is gone
    /// and the call was never taken; true when it was sent, or abandoned with ESRCH (it is done).
    /// </summary>
    public unsafe bool Start(HostCall call)
    {
        _inFlight[call.Id] = call;
        bool sent;
        // Under the same lock as Close: a descriptor number closed meanwhile may already name another file.
        lock (_sending)
            sent = _channel is not null && !_ended && call.SendTo(_channel) == 0;
        if (!sent)
        {
            if (_inFlight.TryRemove(call.Id, out _))
                return false;
            // The reader saw the process end meanwhile and took the call to abandon it: it is done
            // once the reader has written its result.
            call.WaitDone();
        }
        // The reader marks the end before it abandons what is in flight: one of us sees the other.
        if (_ended && _inFlight.TryRemove(call.Id, out _))
            call.Abandon((int)Pluggable.Core.Errno.ESRCH);
        return true;
    }

    /// <summary>
    /// Returns once every reply the process sent before this call has been taken in (a call's
    /// thread may have finished and been given other work since we last looked at it).
    /// </summary>
    public void Sync()
    {
        var call = new HostCall(HostOp.Sync);
        if (!Start(call))
            return;
        call.WaitDone();
    }

    /// <summary>
    /// After the process died: waits for the reader to see the socket end, and closes it (not
    /// while the reader still reads it: its number could name another file by then).
    /// </summary>
    public void Close()
    {
        if (_reader is { } reader && !reader.Join(ReaderJoin))
            return;
        lock (_sending)
        {
            _channel?.Close();
            _channel = null;
        }
    }

    private unsafe void ReadReplies()
    {
        HostCallData reply;
        var channel = Volatile.Read(ref _channel);
        while (channel is not null && channel.Receive(&reply, out var passed))
        {
            bool last = reply.Done != 0;
            if ((last ? _inFlight.TryRemove(reply.Id, out var call) : _inFlight.TryGetValue(reply.Id, out call)) && call is not null)
                call.Absorb(reply, passed);
            else
                passed?.Close();
        }
        _ended = true;
        foreach (var id in _inFlight.Keys)
        {
            if (_inFlight.TryRemove(id, out var call))
                call.Abandon((int)Pluggable.Core.Errno.ESRCH);
        }
    }
}
