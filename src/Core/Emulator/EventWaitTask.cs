using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The tail of a command that changed the address space (fork, munmap, mremap): it posts each
/// prepared event in turn and sleeps until the monitor has read it, then answers
/// <paramref name="result"/>.
/// </summary>
/// Kernel: dup_userfaultfd_complete(), mremap_userfaultfd_complete(), userfaultfd_unmap_complete() -> userfaultfd_event_wait_completion().
public sealed class EventWaitTask(MmStruct mm, List<UffdEventWaiter> events, CommandResult result) : EmulatedTask(mm)
{
    private int _next;

    public override CommandResult? Run()
    {
        while (_next < events.Count)
        {
            var ev = events[_next++];
            if (ev.Context.PostEvent(ev))
            {
                Waiter = ev;
                return null;
            }
        }
        return result;
    }

    /// <summary>The event waited on and those not posted yet are all withdrawn.</summary>
    public override void Abandon()
    {
        base.Abandon();
        for (; _next < events.Count; _next++)
            events[_next].Context.Withdraw(events[_next]);
    }
}
