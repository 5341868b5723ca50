namespace Pluggable.Core.Gup;

/// <summary>
/// Pages taken (when &gt; 0), or the errno; or the task sleeps on a userfault (an unlockable GUP
/// faulting on a registered range) and is resumed later.
/// </summary>
public readonly record struct GupOutcome(long Pages, Errno Error, Mm.UserfaultWaiter? Blocked = null)
{
    public bool IsBlocked => Blocked is not null;
}
