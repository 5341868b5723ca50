namespace Pluggable.Core.Userfaultfd;

/// <summary>What an mfill ioctl puts into the empty entries.</summary>
/// Kernel: enum mfill_atomic_mode.
public enum FillKind
{
    Copy,
    Zeropage,
    Continue,
    Poison,
}

/// <summary>
/// How an ioctl ended: its errno (None on success), the bytes done (the output field), and, when
/// the calling task sleeps on a userfault of its own (a COPY whose source is missing), the waiter.
/// </summary>
public readonly record struct IoctlOutcome(Errno Error, long Bytes, Mm.UserfaultWaiter? Blocked = null)
{
    public static IoctlOutcome Fail(Errno error) => new(error, -1);

    public static IoctlOutcome Success(long bytes) => new(Errno.None, bytes);

    public bool IsBlocked => Blocked is not null;
}
