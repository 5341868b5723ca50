namespace Pluggable.HostKernel;

/// <summary>
/// One operation in flight: a <see cref="HostCallData"/> shared with the thread that reads the
/// replies of its process, filled from the child's replies (or by <see cref="NativeMethods.Exec"/>
/// in this process, for the probes).
/// </summary>
/// <remarks>
/// The record lives in the managed object itself, never in native memory: a reply reader or an
/// abandoning thread may write a call's end after the run has stopped looking at it (a run given
/// up, a fork that returned as its group was killed), and such a late write must land in memory
/// the call still owns. Native code sees the record only for the length of one P/Invoke, pinned.
/// </remarks>
internal sealed unsafe class HostCall
{
    private static int _nextId;
    private HostCallData _data;

    public HostCall(HostOp op, params ulong[] args)
    {
        _data.Op = (int)op;
        _data.Id = Interlocked.Increment(ref _nextId);
        for (int i = 0; i < args.Length; i++)
            _data.A[i] = args[i];
    }

    public HostOp Op => (HostOp)_data.Op;

    public int Id => _data.Id;

    public bool Done => Volatile.Read(ref _data.Done) != 0;

    /// <summary>The kernel thread running the operation; 0 until it started.</summary>
    public int Tid => Volatile.Read(ref _data.Tid);

    public long Ret => _data.Ret;

    public int Err => _data.Err;

    public int Sig => _data.Sig;

    public ulong V(int i) => _data.V[i];

    /// <summary>The channel a child passed along with its reply (a fork's child), else null.</summary>
    public IProcessChannel? Passed { get; private set; }

    /// <summary>Waits until the call's reply (or its abandonment) is in; only for a call that will get one soon.</summary>
    public void WaitDone()
    {
        var spin = new SpinWait();
        while (!Done)
            spin.SpinOnce(sleep1Threshold: 30);
    }

    public void SetName(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        int n = Math.Min(bytes.Length, 63);
        for (int i = 0; i < n; i++)
            _data.Name[i] = bytes[i];
    }

    /// <summary>Runs the call in this process, on this thread (the shim's <c>ph_exec</c>).</summary>
    public void ExecuteHere()
    {
        fixed (HostCallData* data = &_data)
            NativeMethods.Exec(data);
    }

    /// <summary>Writes the call to a process's channel; 0, or an errno.</summary>
    public int SendTo(IProcessChannel channel)
    {
        fixed (HostCallData* data = &_data)
            return channel.Send(data);
    }

    /// <summary>A child's reply: the start notice carries the thread id, the final one everything.</summary>
    public void Absorb(in HostCallData reply, IProcessChannel? passed)
    {
        if (reply.Done == 0)
        {
            Volatile.Write(ref _data.Tid, reply.Tid);
            return;
        }
        var copy = reply;
        copy.Done = 0;
        _data = copy;
        Passed = passed;
        Volatile.Write(ref _data.Done, 1);
    }

    /// <summary>Ends the call without a reply (its process went away).</summary>
    public void Abandon(int errno)
    {
        _data.Ret = -1;
        _data.Err = errno;
        Volatile.Write(ref _data.Done, 1);
    }
}
