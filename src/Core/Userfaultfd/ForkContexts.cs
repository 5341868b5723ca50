using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// The contexts a fork creates: one new context in the child per parent context with EVENT_FORK,
/// shared by every child VMA that came from it, with the parent's features and flags. Without
/// EVENT_FORK the child VMA is not registered. Once the child is complete, each parent context
/// gets a FORK event carrying its child's context.
/// </summary>
/// Kernel: dup_userfaultfd(), dup_userfaultfd_complete() -> dup_fctx() (fs/userfaultfd.c), called from dup_mmap().
public sealed class ForkContexts
{
    private readonly List<(UffdContext Parent, UffdContext Child)> _pairs = [];

    /// <summary>The context the child's copy of <paramref name="vma"/> is registered with, or null.</summary>
    public IUserfaultContext? ChildContext(Vma vma, MmStruct child)
    {
        if (vma.Uffd is not UffdContext { KeepsRegistrationOnFork: true } parent)
            return null;
        foreach (var (p, c) in _pairs)
        {
            if (p == parent)
                return c;
        }
        var created = new UffdContext(child, parent.NonBlock, parent.UserModeOnly) { Features = parent.Features };
        _pairs.Add((parent, created));
        return created;
    }

    /// <summary>One FORK event per parent context, in the order the contexts were first met.</summary>
    public void PrepareEvents(List<UffdEventWaiter> events)
    {
        foreach (var (parent, child) in _pairs)
            events.Add(parent.PrepareEvent(new UffdMessage(UffdEvent.Fork, 0, 0, 0, 0, 0, 0), child));
    }
}
