namespace Pluggable.HostKernel;

/// <summary>What a thread of a scenario process is doing, as the kernel says.</summary>
internal enum ThreadActivity
{
    /// <summary>Running or waiting for a CPU: it will get on with its call.</summary>
    Running,

    /// <summary>Asleep in userfaultfd, waiting for a userfault or an event to be resolved: parked.</summary>
    Userfault,

    /// <summary>Asleep anywhere else (a lock, a poll, stopped by a signal).</summary>
    Elsewhere,

    /// <summary>The thread is gone (its process was killed).</summary>
    Gone,
}

/// <summary>
/// A thread's state from /proc/PID/task/TID: the kernel function it sleeps in (wchan, which the
/// kernel reports only for a thread that is blocked and off its run queue) and the state letter
/// of its stat line. A thread parked by userfaultfd sleeps in handle_userfault() (a fault) or in
/// userfaultfd_event_wait_completion() (fork, mremap, munmap and madvise events), which the
/// compiler may inline into the event's caller (dup_userfaultfd_complete(), ...).
/// </summary>
/// Kernel: get_wchan() (kernel/sched/core.c), proc_pid_wchan() and do_task_stat() (fs/proc), handle_userfault(), userfaultfd_event_wait_completion().
internal readonly record struct ThreadState(ThreadActivity Activity, char State, string Wchan)
{
    public static ThreadState Read(int pid, int tid) => Read(pid, tid, ReadOrNull);

    /// <param name="read">Reads a file of the kernel the thread runs on; null when it cannot.</param>
    public static ThreadState Read(int pid, int tid, Func<string, string?> read)
    {
        string dir = $"/proc/{pid}/task/{tid}";
        string? wchan = read($"{dir}/wchan");
        string? stat = wchan is null || IsUserfaultWait(wchan) ? null : read($"{dir}/stat");
        return Classify(stat, wchan);
    }

    /// <param name="stat">The stat line, when the thread is not parked by wchan alone.</param>
    public static ThreadState Classify(string? stat, string? wchan)
    {
        if (wchan is null)
            return new ThreadState(ThreadActivity.Gone, 'X', "");
        wchan = wchan.Trim();
        if (IsUserfaultWait(wchan))
            return new ThreadState(ThreadActivity.Userfault, 'S', wchan);
        char state = StateLetter(stat);
        return state switch
        {
            'R' or 'W' => new ThreadState(ThreadActivity.Running, state, wchan),
            'X' or 'Z' or '?' => new ThreadState(ThreadActivity.Gone, state, wchan),
            _ => new ThreadState(ThreadActivity.Elsewhere, state, wchan),
        };
    }

    /// <summary>The kernel functions a thread parked by userfaultfd sleeps in.</summary>
    public static bool IsUserfaultWait(string wchan) =>
        wchan.StartsWith("handle_userfault", StringComparison.Ordinal) || wchan.Contains("userfaultfd", StringComparison.Ordinal);

    public override string ToString() => $"state {State}, sleeping in {(Wchan is "" or "0" ? "nothing" : Wchan)}";

    /// <summary>The state is the first field after the command name, which may itself hold ") ".</summary>
    private static char StateLetter(string? stat)
    {
        if (stat is null)
            return '?';
        int close = stat.LastIndexOf(')');
        return close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
