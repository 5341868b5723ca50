namespace Pluggable.Core.Mm;

/// <summary>
/// What a sleeping task waits on: a userfault (<see cref="UserfaultWaiter"/>) or the reading of a
/// non-cooperative event. The backend re-runs the task once <see cref="Woken"/> is set.
/// </summary>
/// Kernel: wait_queue_entry_t, as the userfaultfd wait queues hold it.
public abstract class TaskWaiter
{
    public bool Woken { get; set; }
}
