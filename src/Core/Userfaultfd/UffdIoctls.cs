using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>The ioctls and file operations that need no per-page loop: WAKE, read() and release.</summary>
/// Kernel: userfaultfd_wake(), userfaultfd_read() / userfaultfd_ctx_read(), userfaultfd_release() (fs/userfaultfd.c).
public static class UffdIoctls
{
    public static Errno Wake(UffdContext ctx, ulong start, ulong length)
    {
        if (!ctx.Initialized)
            return Errno.EINVAL;
        var error = UffdRange.Validate(ctx.Mm.System.Geometry, start, length);
        if (error != Errno.None)
            return error;
        ctx.Wake(start, length);
        return Errno.None;
    }

    /// <summary>
    /// One message: pending faults before events; EAGAIN when nothing is queued. A fork event hands
    /// over the child's new context in <paramref name="forked"/>, for the caller to give it a handle.
    /// </summary>
    public static Errno Read(UffdContext ctx, out UffdMessage message, out UffdContext? forked)
    {
        message = default;
        forked = null;
        if (!ctx.Initialized)
            return Errno.EINVAL;
        if (ctx.TryTakeFault(out message))
            return Errno.None;
        if (!ctx.TryTakeEvent(out var ev))
            return Errno.EAGAIN;
        message = ev.Message;
        forked = ev.ForkContext;
        return Errno.None;
    }

    /// <summary>
    /// The last descriptor closed: every VMA registered with the context is unregistered (uffd-wp
    /// state cleared), every sleeping task woken, to retry and now fault normally, and every
    /// queued event abandoned, releasing the task that waits for it to be read.
    /// </summary>
    public static void Release(UffdContext ctx)
    {
        ctx.MarkReleased();
        var mm = ctx.Mm;
        if (mm.Alive)
        {
            var vma = mm.Vmas.FindFrom(0);
            while (vma is not null)
            {
                if (ReferenceEquals(vma.Uffd, ctx)
                    && VmaModify.Apply(mm, vma, vma.Start, vma.End, v => Registration.ClearVma(ctx, v), out vma) != Errno.None)
                    throw new InvalidOperationException($"BUG: releasing a userfaultfd could not clear the whole VMA {vma}");
                vma = mm.Vmas.FindFrom(vma.End);
            }
        }
        ctx.WakeAll();
        ctx.FlushEvents();
    }
}
