using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Emulator;

/// <summary>Turns core answers into scenario results.</summary>
public static class EmulatorResults
{
    public static CommandResult FromErrno(Errno error) => error == Errno.None ? CommandResult.Ok() : CommandResult.Error(error);

    /// <summary>Byte counts on success, <c>ERRNO after N</c> on partial progress, the errno otherwise.</summary>
    public static CommandResult FromIoctl(in IoctlOutcome outcome) => outcome.Error switch
    {
        Errno.None => CommandResult.FromBytes(outcome.Bytes),
        _ when outcome.Bytes > 0 => CommandResult.Error(outcome.Error, outcome.Bytes),
        _ => CommandResult.Error(outcome.Error),
    };
}
