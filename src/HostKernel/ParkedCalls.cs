using System.Diagnostics;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel;

/// <summary>
/// The calls of a scenario and the threads that run them. A call is finished when its reply came
/// back, and parked (blocked) only when the kernel shows its thread asleep in userfaultfd; while
/// the thread runs, or sleeps anywhere else, it is waited for — however loaded the machine, a
/// slow call is never mistaken for a blocked one. After every command the parked calls are
/// looked at again, and those that finished are reported in the order they were parked.
/// </summary>
internal sealed class ParkedCalls(ITargetKernel kernel)
{
    /// <summary>A thread asleep outside userfaultfd this long is stuck on something a scenario cannot resolve.</summary>
    internal static readonly TimeSpan StuckLimit = TimeSpan.FromSeconds(10);

    private sealed record Parked(int Handle, HostProcess Process, HostCall Call, Func<HostCall, CommandResult> Finish);

    private readonly List<Parked> _parked = [];
    private int _nextHandle;

    /// <summary>Whether any call is parked (its thread asleep in userfaultfd).</summary>
    public bool Any => _parked.Count > 0;

    /// <summary>Starts <paramref name="call"/> in <paramref name="process"/>; its result, or blocked.</summary>
    /// <exception cref="HostThreadStuckException">The call's thread slept outside userfaultfd for <see cref="StuckLimit"/>.</exception>
    public CommandResult Run(HostProcess process, HostCall call, Func<HostCall, CommandResult> finish)
    {
        if (!process.Alive || !process.Start(call))
            return CommandResult.Error(Pluggable.Core.Errno.ESRCH);
        if (Settle(process, call))
            return Complete(call, finish);
        var parked = new Parked(++_nextHandle, process, call, finish);
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
            if (!Settle(parked.Process, parked.Call))
                continue;
            _parked.Remove(parked);
            done.Add(new ThreadCompletion(parked.Handle, Complete(parked.Call, parked.Finish)));
        }
        return done;
    }

    /// <summary>Waits until the call is done (true) or its thread is parked in userfaultfd (false).</summary>
    internal bool Settle(HostProcess process, HostCall call)
    {
        var spin = new SpinWait();
        long elsewhereSince = 0;
        while (true)
        {
            if (call.Done)
                return true;
            int tid = call.Tid;
            if (tid != 0 && spin.Count >= 2)
            {
                var state = kernel.ReadThread(process.Pid, tid);
                if (state.Activity == ThreadActivity.Userfault)
                {
                    // Parked — unless this thread finished our call and sleeps there for a later one: the reply would be in already.
                    process.Sync();
                    return call.Done;
                }
                if (state.Activity != ThreadActivity.Elsewhere)
                    elsewhereSince = 0;
                else if (elsewhereSince == 0)
                    elsewhereSince = Stopwatch.GetTimestamp();
                else if (Stopwatch.GetElapsedTime(elsewhereSince) > StuckLimit)
                    throw new HostThreadStuckException(call.Op, process.Number, tid, state);
            }
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    private static CommandResult Complete(HostCall call, Func<HostCall, CommandResult> finish) => finish(call);
}

/// <summary>A call's thread slept outside userfaultfd for longer than any call of a scenario should (the run cannot tell its answer).</summary>
public sealed class HostThreadStuckException : Exception
{
    internal HostThreadStuckException(HostOp op, int process, int tid, ThreadState state)
        : base($"the {op.ToString().ToLowerInvariant()} call of process {process} (thread {tid}) neither finished nor parked on a userfault "
            + $"within {ParkedCalls.StuckLimit.TotalSeconds:0} s: {state}")
    {
    }
}
