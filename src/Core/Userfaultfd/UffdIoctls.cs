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

    /// <summary>One message: pending faults before events; EAGAIN when nothing is queued.</summary>
    public static Errno Read(UffdContext ctx, out UffdMessage message)
    {
        message = default;
        if (!ctx.Initialized)
            return Errno.EINVAL;
        return ctx.TryTakeFault(out message) ? Errno.None : Errno.EAGAIN;
    }

    /// <summary>
    /// The last descriptor closed: every VMA registered with the context is unregistered (uffd-wp
    /// state cleared) and every sleeping task woken, to retry and now fault normally.
    /// </summary>
    public static void Release(UffdContext ctx)
    {
        ctx.MarkReleased();
        var mm = ctx.Mm;
        if (mm.Alive)
        {
            foreach (var vma in mm.Vmas.All.ToArray())
            {
                if (ReferenceEquals(vma.Uffd, ctx))
                    Registration.ClearVma(ctx, vma);
            }
            mm.Vmas.MergeAround(0, mm.System.Geometry.TaskSize, mm.System.PageShift);
        }
        ctx.WakeAll();
    }
}
