namespace Pluggable.Core.Mm;

/// <summary>Why a fault is handed to userfaultfd.</summary>
/// Kernel: VM_UFFD_MISSING / VM_UFFD_WP / VM_UFFD_MINOR as passed to handle_userfault().
public enum UserfaultReason
{
    Missing,
    Wp,
    Minor,
}

/// <summary>How a fault ended.</summary>
/// Kernel: vm_fault_t (0, VM_FAULT_RETRY, VM_FAULT_SIGSEGV, VM_FAULT_SIGBUS, VM_FAULT_OOM, VM_FAULT_HWPOISON).
public enum FaultStatus
{
    Done,

    /// <summary>The task sleeps in handle_userfault(); <see cref="FaultResult.Waiter"/> says on what.</summary>
    Blocked,
    SigSegv,
    SigBus,
    Oom,
    HwPoison,
}

public readonly record struct FaultResult(FaultStatus Status, UserfaultWaiter? Waiter = null)
{
    public static readonly FaultResult Done = new(FaultStatus.Done);
    public static readonly FaultResult SigBus = new(FaultStatus.SigBus);
    public static readonly FaultResult SigSegv = new(FaultStatus.SigSegv);
    public static readonly FaultResult Oom = new(FaultStatus.Oom);
}

/// <summary>
/// Details of a fault. <see cref="Unshare"/> asks for an exclusive copy without write access (a
/// read-only pin of a shared page); <see cref="NoRetry"/> is a fault that may not sleep and drop
/// the mmap lock (get_user_pages with the lock held), which userfaultfd answers with SIGBUS.
/// </summary>
/// Kernel: struct vm_fault (address, real_address, FAULT_FLAG_WRITE/USER/UNSHARE/ALLOW_RETRY).
public readonly record struct FaultInfo(ulong Address, ulong RealAddress, bool Write, bool FromUser, uint ThreadId, bool Unshare = false, bool NoRetry = false);

/// <summary>
/// A sleeping task's place in a userfaultfd wait queue. The backend keeps it and re-runs the task's
/// operation once <see cref="Woken"/> is set.
/// </summary>
/// Kernel: struct userfaultfd_wait_queue.
public sealed class UserfaultWaiter : TaskWaiter
{
    public IUserfaultContext? Context { get; set; }

    /// <summary>The address the message reported, which wake ranges match.</summary>
    public ulong Address { get; set; }

    /// <summary>UFFD_PAGEFAULT_FLAG_* bits of the message.</summary>
    public ulong MessageFlags { get; set; }

    /// <summary>The faulting thread's id, reported with UFFD_FEATURE_THREAD_ID.</summary>
    public uint ThreadId { get; set; }

    /// <summary>The message was taken by read() (moved from pending to waiting).</summary>
    public bool Read { get; set; }

    public void Reset()
    {
        Context = null;
        Address = 0;
        MessageFlags = 0;
        ThreadId = 0;
        Woken = false;
        Read = false;
    }
}

/// <summary>
/// What the fault path needs from a userfaultfd context. The Mm layer sees contexts only through
/// this interface, as mm/memory.c only calls handle_userfault() and the userfaultfd_* predicates.
/// </summary>
public interface IUserfaultContext
{
    /// <summary>Kernel: handle_userfault().</summary>
    FaultResult HandleUserfault(MmStruct mm, Vma vma, in FaultInfo fault, UserfaultReason reason);

    /// <summary>The context has UFFD_FEATURE_EVENT_FORK (registrations survive fork).</summary>
    bool KeepsRegistrationOnFork { get; }

    /// <summary>UFFD_FEATURE_WP_UNPOPULATED: write-protecting empty anonymous entries installs markers.</summary>
    /// Kernel: userfaultfd_wp_unpopulated().
    bool WpUnpopulated { get; }

    /// <summary>UFFD_FEATURE_WP_ASYNC: the kernel resolves write-protect faults itself.</summary>
    /// Kernel: userfaultfd_wp_async().
    bool WpAsync { get; }
}
