using System.Runtime.InteropServices;

namespace Pluggable.HostKernel;

/// <summary>
/// One operation in flight: native memory holding a <see cref="HostCallData"/>, shared with the
/// thread that runs it (in this process) or filled from a child's replies.
/// </summary>
internal sealed unsafe class HostCall : IDisposable
{
    private static int _nextId;

    public HostCall(HostOp op, params ulong[] args)
    {
        _data = (nint)NativeMemory.AllocZeroed((nuint)sizeof(HostCallData));
        Data->Op = (int)op;
        Data->Id = Interlocked.Increment(ref _nextId);
        for (int i = 0; i < args.Length; i++)
            Data->A[i] = args[i];
    }

    private nint _data;

    public HostCallData* Data => (HostCallData*)_data;

    public HostOp Op => (HostOp)Data->Op;

    public int Id => Data->Id;

    public bool Done => Volatile.Read(ref Data->Done) != 0;

    /// <summary>Waits until the call's reply (or its abandonment) is in; only for a call that will get one soon.</summary>
    public void WaitDone()
    {
        var spin = new SpinWait();
        while (!Done)
            spin.SpinOnce(sleep1Threshold: 30);
    }

    /// <summary>The kernel thread running the operation; 0 until it started.</summary>
    public int Tid => Volatile.Read(ref Data->Tid);

    public long Ret => Data->Ret;

    public int Err => Data->Err;

    public int Sig => Data->Sig;

    public ulong V(int i) => Data->V[i];

    /// <summary>A descriptor a child passed along with its reply (a nested fork's channel), else -1.</summary>
    public int PassedFd { get; set; } = -1;

    public void SetName(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        int n = Math.Min(bytes.Length, 63);
        for (int i = 0; i < n; i++)
            Data->Name[i] = bytes[i];
    }

    /// <summary>A child's reply: the start notice carries the thread id, the final one everything.</summary>
    public void Absorb(in HostCallData reply, int passedFd)
    {
        if (reply.Done == 0)
        {
            Volatile.Write(ref Data->Tid, reply.Tid);
            return;
        }
        var copy = reply;
        copy.Done = 0;
        *Data = copy;
        PassedFd = passedFd;
        Volatile.Write(ref Data->Done, 1);
    }

    /// <summary>Ends the call without a reply (its process went away).</summary>
    public void Abandon(int errno)
    {
        Data->Ret = -1;
        Data->Err = errno;
        Volatile.Write(ref Data->Done, 1);
    }

    public void Dispose()
    {
        // Freed once, whichever thread asks first: a second free would corrupt the native heap.
        var data = (HostCallData*)Interlocked.Exchange(ref _data, 0);
        if (data is not null)
            NativeMemory.Free(data);
    }
}
