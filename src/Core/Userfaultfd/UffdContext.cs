using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// One userfaultfd: its features, its address space, the faults waiting on it (unread ones first
/// in line for read()) and the non-cooperative events queued for the monitor.
/// </summary>
/// Kernel: struct userfaultfd_ctx (fs/userfaultfd.c).
public sealed partial class UffdContext : IUserfaultContext
{
    private readonly List<UserfaultWaiter> _waiters = [];
    private readonly Stack<UserfaultWaiter> _pool = new();

    public UffdContext(MmStruct mm, bool nonBlock, bool userModeOnly)
    {
        Mm = mm;
        NonBlock = nonBlock;
        UserModeOnly = userModeOnly;
    }

    public MmStruct Mm { get; }

    public bool NonBlock { get; }

    /// <summary>UFFD_USER_MODE_ONLY: faults from kernel mode get SIGBUS instead of a message.</summary>
    public bool UserModeOnly { get; }

    /// <summary>The context's feature bits, with <see cref="UffdUapi.FeatureInitialized"/> once UFFDIO_API succeeded.</summary>
    public ulong Features { get; set; }

    public bool Initialized => (Features & UffdUapi.FeatureInitialized) != 0;

    /// <summary>The last file reference was closed (ctx->released).</summary>
    public bool Released { get; private set; }

    /// <summary>Non-cooperative events prepared but not yet read (ctx->mmap_changing).</summary>
    public int MmapChanging { get; set; }

    public bool Has(ulong feature) => (Features & feature) != 0;

    public bool KeepsRegistrationOnFork => Has(UffdUapi.FeatureEventFork);

    public bool WpUnpopulated => Has(UffdUapi.FeatureWpUnpopulated);

    public bool WpAsync => Has(UffdUapi.FeatureWpAsync);

    /// <summary>Threads sleeping on this context, in the order they faulted.</summary>
    public IReadOnlyList<UserfaultWaiter> Waiters => _waiters;

    /// <summary>Kernel: handle_userfault().</summary>
    public FaultResult HandleUserfault(MmStruct mm, Vma vma, in FaultInfo fault, UserfaultReason reason)
    {
        if (Has(UffdUapi.FeatureSigbus))
            return FaultResult.SigBus;
        if (UserModeOnly && !fault.FromUser)
            return FaultResult.SigBus;
        if (Released)
            return FaultResult.Done;
        if (fault.NoRetry)
            return FaultResult.SigBus;
        var waiter = _pool.Count > 0 ? _pool.Pop() : new UserfaultWaiter();
        waiter.Context = this;
        waiter.Address = Has(UffdUapi.FeatureExactAddress) ? fault.RealAddress : fault.Address;
        waiter.MessageFlags = MessageFlags(fault.Write, reason);
        waiter.ThreadId = Has(UffdUapi.FeatureThreadId) ? fault.ThreadId : 0;
        _waiters.Add(waiter);
        return new FaultResult(FaultStatus.Blocked, waiter);
    }

    /// <summary>Kernel: userfault_msg() — WP faults are always writes.</summary>
    private static ulong MessageFlags(bool write, UserfaultReason reason) => reason switch
    {
        UserfaultReason.Wp => UffdMessage.FlagWrite | UffdMessage.FlagWp,
        UserfaultReason.Minor => (write ? UffdMessage.FlagWrite : 0) | UffdMessage.FlagMinor,
        _ => write ? UffdMessage.FlagWrite : 0,
    };

    /// <summary>Wakes every waiter, read or not, whose reported address lies in [start, start+length).</summary>
    /// Kernel: wake_userfault() / userfaultfd_wake_function().
    public void Wake(ulong start, ulong length)
    {
        ulong end = start + length;
        for (int i = 0; i < _waiters.Count; i++)
        {
            var w = _waiters[i];
            if (w.Address < start || w.Address >= end)
                continue;
            w.Woken = true;
            _waiters.RemoveAt(i--);
        }
    }

    /// <summary>Wakes everybody (release).</summary>
    public void WakeAll()
    {
        foreach (var w in _waiters)
            w.Woken = true;
        _waiters.Clear();
    }

    /// <summary>Takes the oldest unread fault, moving it to the waiting side. Kernel: userfaultfd_ctx_read().</summary>
    public bool TryTakeFault(out UffdMessage message)
    {
        foreach (var w in _waiters)
        {
            if (w.Read)
                continue;
            w.Read = true;
            message = new UffdMessage(UffdEvent.PageFault, w.Address, w.MessageFlags, 0, 0, 0, w.ThreadId);
            return true;
        }
        message = default;
        return false;
    }

    /// <summary>
    /// A sleeping task was killed: its fault leaves the queue, read or not, so no later read()
    /// reports it, and the waiter is returned.
    /// </summary>
    /// Kernel: the list_del() of handle_userfault() when a fatal signal ends the sleep.
    public void Withdraw(UserfaultWaiter waiter)
    {
        _waiters.Remove(waiter);
        Recycle(waiter);
    }

    /// <summary>Returns a waiter the task no longer needs.</summary>
    public void Recycle(UserfaultWaiter waiter)
    {
        waiter.Reset();
        _pool.Push(waiter);
    }

    /// <summary>Marks the context released; the caller unregisters its VMAs.</summary>
    public void MarkReleased() => Released = true;
}
