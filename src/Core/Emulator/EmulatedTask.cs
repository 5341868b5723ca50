using Pluggable.Core.Debug;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Emulator;

/// <summary>
/// Something a scenario command started on a task of its own: it runs at once, and if it has to
/// sleep on a userfault it keeps its progress and runs again once its waiter is woken.
/// </summary>
/// <param name="mm">The address space of the process the task belongs to (current->mm).</param>
public abstract class EmulatedTask(MmStruct mm)
{
    /// <summary>The backend's handle, given when the task first blocks.</summary>
    public int Id { get; set; }

    /// <summary>The address space of the task's process.</summary>
    public MmStruct Mm { get; } = mm;

    /// <summary>What the task sleeps on while parked: a userfault or a non-cooperative event.</summary>
    public TaskWaiter? Waiter { get; protected set; }

    /// <summary>Runs (or continues) the task; null means it sleeps on <see cref="Waiter"/>.</summary>
    public abstract CommandResult? Run();

    /// <summary>Tells the consistency checker about the references the task holds while it sleeps.</summary>
    public virtual void ReportReferences(ReferenceCensus census)
    {
    }

    /// <summary>
    /// The task will never run again (its process exits, or the OOM killer chose it, while it sleeps
    /// or between its steps): it leaves the queue it sleeps on and drops what it holds.
    /// </summary>
    public virtual void Abandon()
    {
        switch (Waiter)
        {
            case UserfaultWaiter { Context: UffdContext ctx } fault:
                ctx.Withdraw(fault);
                break;
            case UffdEventWaiter ev:
                ev.Context.Withdraw(ev);
                break;
        }
        Waiter = null;
    }

    /// <summary>Hands the old waiter back to its context before running again.</summary>
    public void ReleaseWaiter()
    {
        if (Waiter is UserfaultWaiter { Context: UffdContext ctx } fault)
            ctx.Recycle(fault);
        Waiter = null;
    }

    protected CommandResult? FromFault(in FaultResult fault)
    {
        switch (fault.Status)
        {
            case FaultStatus.Blocked:
                Waiter = fault.Waiter;
                return null;
            case FaultStatus.SigSegv:
                return CommandResult.Signal("SIGSEGV");
            case FaultStatus.SigBus:
            case FaultStatus.HwPoison:
                return CommandResult.Signal("SIGBUS");
            default:
                return CommandResult.Signal("SIGKILL");
        }
    }
}

/// <summary><c>touch ADDR read|write</c>: one load or store.</summary>
public sealed class TouchTask(MmStruct mm, ulong address, bool write, byte value, uint threadId) : EmulatedTask(mm)
{
    public override CommandResult? Run()
    {
        var fault = UserAccess.Translate(Mm, address, write, fromUser: true, threadId, out ulong pfn);
        if (fault.Status != FaultStatus.Done)
            return FromFault(fault);
        var data = Mm.System.Memory.Data(pfn);
        int offset = (int)(address & (Mm.System.PageSize - 1));
        if (write)
        {
            data[offset] = value;
            return CommandResult.Ok();
        }
        return CommandResult.Ok($"0x{data[offset]:x2}");
    }
}

/// <summary><c>fill</c> and <c>check</c>: every byte of a range, page by page, resuming at the page that blocked.</summary>
public sealed class RangeAccessTask(MmStruct mm, ulong address, ulong size, BytePattern pattern, bool check, uint threadId) : EmulatedTask(mm)
{
    private ulong _done;

    public override CommandResult? Run()
    {
        var system = Mm.System;
        while (_done < size)
        {
            if (!system.Checkpoint(Mm))
                return CommandResult.Signal("SIGKILL");
            ulong at = address + _done;
            var fault = UserAccess.Translate(Mm, at, write: !check, fromUser: true, threadId, out ulong pfn);
            if (fault.Status != FaultStatus.Done)
                return FromFault(fault);
            int offset = (int)(at & (system.PageSize - 1));
            int chunk = (int)Math.Min(size - _done, system.PageSize - (ulong)offset);
            var bytes = system.Memory.Data(pfn).Slice(offset, chunk);
            byte want = pattern.At((at - address) >> system.PageShift);
            if (check)
            {
                int bad = bytes.IndexOfAnyExcept(want);
                if (bad >= 0)
                    return CommandResult.Mismatch(at + (ulong)bad, bytes[bad], want);
            }
            else
            {
                bytes.Fill(want);
            }
            _done += (ulong)chunk;
        }
        return CommandResult.Ok();
    }
}

/// <summary>
/// A COPY/ZEROPAGE/CONTINUE/POISON ioctl, which sleeps when COPY's source takes a userfault. It
/// holds a reference to the userfaultfd's file until it returns, so a close meanwhile releases
/// nothing.
/// </summary>
/// Kernel: fdget() ... fdput() around userfaultfd_ioctl() in a process whose descriptor table is shared by threads.
public sealed class FillTask(FillOperation operation, UffdFile file) : EmulatedTask(operation.Caller)
{
    private bool _started;

    public override void ReportReferences(ReferenceCensus census)
    {
        if (operation.PendingFolio != 0)
            census.Reference(operation.PendingFolio, new Holder(HolderKind.TaskPage, Id, 0, "a COPY's page, while its source faults"));
    }

    public override CommandResult? Run()
    {
        var outcome = _started ? operation.Resume() : operation.Start();
        _started = true;
        if (outcome.IsBlocked)
        {
            Waiter = outcome.Blocked;
            return null;
        }
        file.Put();
        return EmulatorResults.FromIoctl(outcome);
    }

    public override void Abandon()
    {
        base.Abandon();
        operation.Abandon();
        file.Put();
    }
}
