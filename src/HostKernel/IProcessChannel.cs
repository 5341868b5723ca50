namespace Pluggable.HostKernel;

/// <summary>
/// The socket between the backend and one scenario process's command loop (ph_serve): a
/// socketpair end on this machine, or a channel the VM's guest agent relays over the console.
/// </summary>
internal unsafe interface IProcessChannel
{
    /// <summary>Sends one call; 0, or an errno when the process cannot be reached.</summary>
    int Send(HostCallData* call);

    /// <summary>
    /// Waits for the process's next message: true and the call (with the channel of a child a
    /// fork passed along, else null), false once the process is gone.
    /// </summary>
    bool Receive(HostCallData* call, out IProcessChannel? passed);

    /// <summary>Lets the channel go; only once nothing receives on it any more.</summary>
    void Close();
}

/// <summary>A socketpair end to a process of this machine.</summary>
internal sealed unsafe class LocalChannel(int fd) : IProcessChannel
{
    public int Send(HostCallData* call) => NativeMethods.Send(fd, call);

    public bool Receive(HostCallData* call, out IProcessChannel? passed)
    {
        passed = null;
        if (NativeMethods.Receive(fd, call, out int passedFd) != 1)
            return false;
        if (passedFd >= 0)
            passed = new LocalChannel(passedFd);
        return true;
    }

    public void Close() => NativeMethods.Close(fd);
}
