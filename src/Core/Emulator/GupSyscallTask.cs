using Pluggable.Core.Debug;
using Pluggable.Core.Gup;
using Pluggable.Core.Gup.Syscalls;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Emulator;

/// <summary>
/// A system call that reaches GUP (<c>process_vm_readv</c>, <c>procmem</c>, <c>vmsplice</c>...), on a
/// task of its own: it sleeps where its GUP sleeps on a userfault, holding the pages taken so far.
/// </summary>
public sealed class GupSyscallTask(MmStruct mm, GupSyscall call, GupSyscallRequest request) : EmulatedTask(mm)
{
    public override CommandResult? Run()
    {
        var outcome = call.Run();
        if (outcome.IsBlocked)
        {
            Waiter = outcome.Blocked;
            return null;
        }
        // The emulated machine has one NUMA node.
        return outcome.Error != Errno.None ? CommandResult.Error(outcome.Error) : request.Done(outcome.Pages, node: 0);
    }

    public override void ReportReferences(ReferenceCensus census)
    {
        if (call.Held is not { } held)
            return;
        census.Held(held, call.HeldFrom, (call.Flags & GupFlags.Pin) != 0, HolderKind.GupReference, Id);
    }

    public override void Abandon()
    {
        base.Abandon();
        call.Abandon();
    }
}
