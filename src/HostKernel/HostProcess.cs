using System.Collections.Concurrent;

namespace Pluggable.HostKernel;

/// <summary>
/// One process of a scenario on the host: the .NET process itself (process 0), or a child forked
/// by the shim that serves operations over a socket. Holds the process's own descriptors
/// (userfaultfds by the backend's handle, memory files by name), which a fork copies, as the
/// kernel copies the descriptor table.
/// </summary>
/// Kernel: task_struct + files_struct, as far as a scenario sees them.
internal sealed class HostProcess
{
    private readonly ConcurrentDictionary<int, HostCall> _inFlight = new();
    private int _channel = -1;
    private volatile bool _ended;
    private Thread? _reader;

    private HostProcess(int number, bool self)
    {
        Number = number;
        IsSelf = self;
        Pid = self ? Environment.ProcessId : 0;
    }

    public static HostProcess Self(ulong mapBase) => new(0, self: true) { NextFree = mapBase };

    public int Number { get; }

    /// <summary>True for the .NET process, where operations run on threads of our own.</summary>
    public bool IsSelf { get; }

    /// <summary>The kernel's pid; 0 while the fork that makes this process has not returned.</summary>
    public int Pid { get; private set; }

    public bool Alive => IsSelf || (Pid > 0 && !_ended);

    /// <summary>Userfaultfds open in this process: the backend's handle to the descriptor number.</summary>
    public Dictionary<int, int> Uffds { get; private init; } = [];

    /// <summary>Memory files open in this process, by scenario name.</summary>
    public Dictionary<string, int> Files { get; private init; } = [];

    /// <summary>Where the next mapping may start (the placement rule of the scenario contract).</summary>
    public ulong NextFree { get; set; }

    /// <summary>The child as the fork leaves it: the parent's descriptors and placement state.</summary>
    public HostProcess ForkChild(int number) => new(number, self: false)
    {
        Uffds = new Dictionary<int, int>(Uffds),
        Files = new Dictionary<string, int>(Files),
        NextFree = NextFree,
    };

    /// <summary>The fork returned: the child's pid and the socket to its command loop.</summary>
    public void Attach(int pid, int channel)
    {
        Pid = pid;
        Volatile.Write(ref _channel, channel);
        _reader = new Thread(ReadReplies) { IsBackground = true, Name = $"host process {Number} replies" };
        _reader.Start();
    }

    /// <summary>Starts a call: on a thread of its own here, or in the child. False when the child is gone.</summary>
    public unsafe bool Start(HostCall call)
    {
        if (IsSelf)
        {
            var thread = new Thread(() => NativeMethods.Exec(call.Data)) { IsBackground = true, Name = $"host {call.Op}" };
            thread.Start();
            return true;
        }
        int channel = Volatile.Read(ref _channel);
        if (channel < 0 || _ended)
            return false;
        _inFlight[call.Id] = call;
        if (NativeMethods.Send(channel, call.Data) == 0)
            return true;
        _inFlight.TryRemove(call.Id, out _);
        return false;
    }

    /// <summary>Kills the child (and so every thread parked in it) and closes its channel.</summary>
    public void Kill()
    {
        if (IsSelf)
            return;
        if (Pid > 0)
        {
            NativeMethods.Kill(Pid, NativeMethods.SigKill);
            NativeMethods.WaitPid(Pid, out _, 0);
        }
        // The child's death ends the channel, so the reader stops before the descriptor is closed.
        _reader?.Join(TimeSpan.FromSeconds(2));
        int channel = Interlocked.Exchange(ref _channel, -1);
        if (channel >= 0)
            NativeMethods.Close(channel);
    }

    private unsafe void ReadReplies()
    {
        HostCallData reply;
        int channel = Volatile.Read(ref _channel);
        while (channel >= 0 && NativeMethods.Receive(channel, &reply, out int fd) == 1)
        {
            bool last = reply.Done != 0;
            if ((last ? _inFlight.TryRemove(reply.Id, out var call) : _inFlight.TryGetValue(reply.Id, out call)) && call is not null)
                call.Absorb(reply, fd);
            else if (fd >= 0)
                NativeMethods.Close(fd);
        }
        _ended = true;
        foreach (var id in _inFlight.Keys)
        {
            if (_inFlight.TryRemove(id, out var call))
                call.Abandon((int)Pluggable.Core.Errno.ESRCH);
        }
    }
}
