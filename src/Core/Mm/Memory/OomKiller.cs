namespace Pluggable.Core.Mm;

/// <summary>A process the OOM killer chose, with the figures its choice was made on.</summary>
/// <param name="Badness">The points it was chosen by: resident pages plus page-table pages.</param>
public readonly record struct OomVictim(MmStruct Mm, long Badness, long AnonRss, long FileRss, long TableFrames);

/// <summary>
/// What the machine does when memory ran out and an allocation may not fail: it picks the process
/// with the most resident and page-table pages (ties go to the youngest), kills it, and takes its
/// private memory back at once; the rest goes when the process has exited. The default policy of
/// the kernel (vm.oom_kill_allocating_task = 0, every oom_score_adj 0, no swap), acted on at the
/// allocating task's next checkpoint rather than inside the allocation.
/// </summary>
/// Kernel: out_of_memory() -> select_bad_process() / oom_evaluate_task() / oom_badness() -> oom_kill_process(),
/// the oom reaper's __oom_reap_task_mm() (mm/oom_kill.c).
public sealed class OomKiller
{
    private readonly MemorySystem _system;
    private readonly List<OomVictim> _victims = [];

    internal OomKiller(MemorySystem system) => _system = system;

    /// <summary>
    /// Tears a killed process down completely (its exit), when nothing running holds on to its
    /// address space; set by the backend, which owns processes. Null: the exit waits for the backend.
    /// </summary>
    public Action<MmStruct>? Exit { get; set; }

    /// <summary>Victims since the last call, for the backend to finish (exit, answers, messages).</summary>
    public OomVictim[] TakeVictims()
    {
        if (_victims.Count == 0)
            return [];
        var taken = _victims.ToArray();
        _victims.Clear();
        return taken;
    }

    /// <summary>
    /// Kills until the machine is back within its memory or <paramref name="current"/> (the task's own
    /// address space) is killed, which then only waits to exit. <paramref name="busy"/> is another
    /// address space the running operation works in: killed, it is reaped but keeps its mappings
    /// until the operation ends.
    /// </summary>
    public void Settle(MmStruct? current, MmStruct? busy)
    {
        while (_system.Memory.Exhausted)
        {
            var victim = SelectBadProcess();
            if (victim is null)
                return;
            Kill(victim.Value, exitNow: victim.Value.Mm != current && victim.Value.Mm != busy);
            if (victim.Value.Mm == current)
                return;
        }
    }

    /// <summary>Kernel: oom_badness() — rss (anon, file, shmem) + swap entries (none here) + page-table pages.</summary>
    public static long Badness(MmStruct mm) => mm.AnonRss + mm.FileRss + mm.Tables.TableFramesBelowRoot;

    /// <summary>Kernel: select_bad_process() over the process list, oldest first; an equal score replaces the choice.</summary>
    private OomVictim? SelectBadProcess()
    {
        OomVictim? chosen = null;
        foreach (var mm in _system.Mms)
        {
            if (!mm.Alive || mm.OomKilled || mm.InFork)
                continue;
            long points = Badness(mm);
            if (chosen is { } c && points < c.Badness)
                continue;
            chosen = new OomVictim(mm, points, mm.AnonRss, mm.FileRss, mm.Tables.TableFramesBelowRoot);
        }
        return chosen;
    }

    private void Kill(OomVictim victim, bool exitNow)
    {
        var mm = victim.Mm;
        mm.OomKilled = true;
        _victims.Add(victim);
        Reap(mm);
        if (exitNow)
            Exit?.Invoke(mm);
    }

    /// <summary>
    /// Unmaps the pages of every private VMA, which frees what only this process used; shared and
    /// hugetlb mappings, and the VMAs and tables themselves, wait for the exit.
    /// </summary>
    /// Kernel: __oom_reap_task_mm().
    private static void Reap(MmStruct mm)
    {
        foreach (var vma in mm.Vmas.All)
        {
            if (!vma.IsHugetlb && (vma.IsAnonymous || !vma.IsShared))
                Zap.Range(mm, vma, vma.Start, vma.End, ZapMode.Unmap);
        }
    }
}
