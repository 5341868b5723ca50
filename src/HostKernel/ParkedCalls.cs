using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel;

/// <summary>
/// The calls of a scenario that did not finish at once: each is a thread (here or in a child)
/// sleeping in the kernel on a userfault or an event. After every command they are given time to
/// settle, and those that finished are reported in the order they were parked.
/// </summary>
internal sealed class ParkedCalls(TimeSpan settleLimit)
{
    private sealed record Parked(int Handle, HostProcess Process, HostCall Call, Func<HostCall, CommandResult> Finish)
    {
        /// <summary>Once a thread was found sleeping elsewhere than in userfaultfd, it is not waited for long again.</summary>
        public bool Stalled { get; set; }
    }

    private static readonly TimeSpan StalledLimit = TimeSpan.FromMilliseconds(20);
    private readonly List<Parked> _parked = [];
    private int _nextHandle;

    /// <summary>Starts <paramref name="call"/> in <paramref name="process"/>; its result, or blocked.</summary>
    public CommandResult Run(HostProcess process, HostCall call, Func<HostCall, CommandResult> finish)
    {
        if (!process.Alive || !process.Start(call))
        {
            call.Dispose();
            return CommandResult.Error(Pluggable.Core.Errno.ESRCH);
        }
        if (UserfaultSleep.Settle(process, call, settleLimit))
            return Complete(call, finish);
        var parked = new Parked(++_nextHandle, process, call, finish) { Stalled = !UserfaultSleepNow(process, call) };
        _parked.Add(parked);
        return CommandResult.Blocked(parked.Handle);
    }

    public IReadOnlyList<ThreadCompletion> TakeCompletions()
    {
        if (_parked.Count == 0)
            return [];
        var done = new List<ThreadCompletion>();
        foreach (var parked in _parked.ToArray())
        {
            if (!UserfaultSleep.Settle(parked.Process, parked.Call, parked.Stalled ? StalledLimit : settleLimit))
            {
                parked.Stalled = !UserfaultSleepNow(parked.Process, parked.Call);
                continue;
            }
            _parked.Remove(parked);
            done.Add(new ThreadCompletion(parked.Handle, Complete(parked.Call, parked.Finish)));
        }
        return done;
    }

    /// <summary>At teardown, after everything that could wake them was done: frees what finished.</summary>
    public void Drain(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        foreach (var parked in _parked)
        {
            while (!parked.Call.Done && DateTime.UtcNow < deadline)
                Thread.Sleep(1);
            // A thread still running keeps its memory: freeing it under the thread would be worse than the leak.
            if (parked.Call.Done)
                parked.Call.Dispose();
        }
        _parked.Clear();
    }

    private static bool UserfaultSleepNow(HostProcess process, HostCall call) =>
        call.Tid != 0 && process.Pid > 0 && UserfaultSleep.SleepsOnUserfault(process.Pid, call.Tid);

    private static CommandResult Complete(HostCall call, Func<HostCall, CommandResult> finish)
    {
        try
        {
            return finish(call);
        }
        finally
        {
            call.Dispose();
        }
    }
}
