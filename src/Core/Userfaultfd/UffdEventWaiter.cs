using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// A non-cooperative event on its way to the monitor: prepared (the context's mmap_changing
/// raised), then posted to the context's event queue by the task that caused it, which sleeps on
/// it until read() takes the message. For a fork event <see cref="ForkContext"/> is the child's
/// new context, handed to the reader.
/// </summary>
/// Kernel: the struct userfaultfd_wait_queue (ewq) of userfaultfd_event_wait_completion().
public sealed class UffdEventWaiter : TaskWaiter
{
    internal UffdEventWaiter(UffdContext context, UffdMessage message, UffdContext? forkContext)
    {
        Context = context;
        Message = message;
        ForkContext = forkContext;
    }

    public UffdContext Context { get; }

    public UffdMessage Message { get; }

    public UffdContext? ForkContext { get; }
}
