using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Emulator;

/// <summary>A MOVE ioctl on a task of its own; it never sleeps (a missing source page is ENOENT, not a fault).</summary>
public sealed class MoveTask(MoveOperation operation) : EmulatedTask(operation.Caller)
{
    public override CommandResult? Run() => EmulatorResults.FromIoctl(operation.Run());
}
