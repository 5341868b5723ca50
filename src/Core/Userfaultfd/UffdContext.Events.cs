namespace Pluggable.Core.Userfaultfd;

/// <summary>The non-cooperative event queue of a context and its mmap_changing accounting.</summary>
/// Kernel: ctx->event_wqh, ctx->mmap_changing; userfaultfd_event_wait_completion(), userfaultfd_event_complete().
public sealed partial class UffdContext
{
    private readonly Queue<UffdEventWaiter> _events = new();

    /// <summary>
    /// Builds an event and raises mmap_changing at once, so that fills fail with EAGAIN from the
    /// moment the address space starts to change until the monitor has read about it.
    /// </summary>
    /// Kernel: the atomic_inc(&amp;ctx->mmap_changing) of dup_userfaultfd(), mremap_userfaultfd_prep(), userfaultfd_remove(), userfaultfd_unmap_prep().
    public UffdEventWaiter PrepareEvent(in UffdMessage message, UffdContext? forkContext = null)
    {
        MmapChanging++;
        return new UffdEventWaiter(this, message, forkContext);
    }

    /// <summary>
    /// Queues a prepared event for read(); false when the context is already released, in which
    /// case the event is abandoned at once and the caller does not sleep.
    /// </summary>
    public bool PostEvent(UffdEventWaiter waiter)
    {
        if (waiter.Context != this)
            throw new InvalidOperationException("BUG: an event posted to a context other than the one that prepared it");
        if (Released)
        {
            Abandon(waiter);
            return false;
        }
        _events.Enqueue(waiter);
        return true;
    }

    /// <summary>Takes the oldest event: the task that posted it may go on.</summary>
    /// Kernel: the event half of userfaultfd_ctx_read() + userfaultfd_event_complete().
    public bool TryTakeEvent(out UffdEventWaiter waiter)
    {
        if (!_events.TryDequeue(out waiter!))
            return false;
        Complete(waiter);
        return true;
    }

    /// <summary>
    /// The task that caused an event was killed while waiting for it to be read (or before it
    /// posted it): the event leaves the queue unread and is abandoned.
    /// </summary>
    /// Kernel: the fatal_signal_pending() exit of userfaultfd_event_wait_completion().
    public void Withdraw(UffdEventWaiter waiter)
    {
        if (waiter.Woken)
            return;
        if (_events.Contains(waiter))
        {
            var others = _events.Where(e => e != waiter).ToArray();
            _events.Clear();
            foreach (var e in others)
                _events.Enqueue(e);
        }
        Abandon(waiter);
    }

    /// <summary>Release: every queued event is abandoned and its task released.</summary>
    public void FlushEvents()
    {
        while (_events.TryDequeue(out var waiter))
            Abandon(waiter);
    }

    /// <summary>An abandoned fork event takes the child's new context down with it.</summary>
    /// Kernel: the release_new_ctx path of userfaultfd_event_wait_completion() -> userfaultfd_release_new().
    private void Abandon(UffdEventWaiter waiter)
    {
        Complete(waiter);
        if (waiter.ForkContext is { } child)
            UffdIoctls.Release(child);
    }

    private void Complete(UffdEventWaiter waiter)
    {
        if (waiter.Woken)
            throw new InvalidOperationException("BUG: a userfaultfd event completed twice");
        waiter.Woken = true;
        if (--MmapChanging < 0)
            throw new InvalidOperationException("VM_BUG_ON: mmap_changing went negative");
    }
}
