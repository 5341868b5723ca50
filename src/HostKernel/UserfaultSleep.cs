using System.Diagnostics;

namespace Pluggable.HostKernel;

/// <summary>
/// Tells a call that finished from one that sleeps on a userfault: the kernel names where a
/// sleeping thread waits (/proc/PID/task/TID/wchan), and a thread parked by userfaultfd waits in
/// handle_userfault() (a fault) or userfaultfd_event_wait_completion() (fork, mremap, munmap,
/// madvise events). A woken thread is running, so its wchan is "0" until it sleeps again.
/// </summary>
/// Kernel: get_wchan() (kernel/sched/core.c), handle_userfault(), userfaultfd_event_wait_completion().
internal static class UserfaultSleep
{
    /// <summary>Waits until the call is done or parked on a userfault; true when it is done.</summary>
    /// <param name="limit">After this long a call that is neither is taken as parked (it sleeps elsewhere).</param>
    public static bool Settle(HostProcess process, HostCall call, TimeSpan limit)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        var spin = new SpinWait();
        while (true)
        {
            if (call.Done)
                return true;
            int tid = call.Tid;
            if (tid != 0 && process.Pid > 0 && SleepsOnUserfault(process.Pid, tid))
            {
                // The thread may have finished between the two reads.
                return call.Done;
            }
            if (Stopwatch.GetTimestamp() > deadline)
                return call.Done;
            if (spin.Count < 20)
                spin.SpinOnce(sleep1Threshold: -1);
            else
                Thread.Sleep(1);
        }
    }

    public static bool SleepsOnUserfault(int pid, int tid)
    {
        string wchan;
        try
        {
            wchan = File.ReadAllText($"/proc/{pid}/task/{tid}/wchan");
        }
        catch (IOException)
        {
            return false;
        }
        return IsUserfaultWait(wchan);
    }

    /// <summary>The kernel functions a thread parked by userfaultfd sleeps in.</summary>
    public static bool IsUserfaultWait(string wchan) =>
        wchan.StartsWith("handle_userfault", StringComparison.Ordinal) || wchan.Contains("userfaultfd", StringComparison.Ordinal);
}
