using System.Runtime.InteropServices;

namespace Pluggable.HostKernel;

/// <summary>
/// The host run live in this process, and the hooks that end it when the process ends early:
/// normal exit with the run still going (its time limit passed), SIGINT, SIGTERM, SIGHUP,
/// SIGQUIT, an unhandled exception. Ending it kills the scenario's processes and puts the
/// machine-wide settings back before the process goes; a process killed with SIGKILL leaves
/// them to the next holder of the machine lock, which restores them from the lock's record.
/// </summary>
internal static class LiveHostRun
{
    private static readonly object Gate = new();
    private static HostBackend? s_current;
    private static List<PosixSignalRegistration>? s_signals;

    /// <summary>Ends the run a previous host backend of this process left going (it was given up).</summary>
    public static void EndPrevious()
    {
        HostBackend? previous;
        lock (Gate)
            previous = s_current;
        previous?.Abandon("a newer host backend of this process");
    }

    public static void Enter(HostBackend backend)
    {
        lock (Gate)
        {
            s_current = backend;
            if (s_signals is not null)
                return;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => EndCurrent("the process's exit");
            AppDomain.CurrentDomain.UnhandledException += (_, _) => EndCurrent("an unhandled exception");
            s_signals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }
                .Select(signal => PosixSignalRegistration.Create(signal, _ => EndCurrent(signal.ToString())))];
        }
    }

    public static void Leave(HostBackend backend)
    {
        lock (Gate)
        {
            if (ReferenceEquals(s_current, backend))
                s_current = null;
        }
    }

    /// <summary>The signal's default action follows (the handler does not cancel it).</summary>
    private static void EndCurrent(string by)
    {
        HostBackend? current;
        lock (Gate)
            current = s_current;
        current?.Abandon(by);
    }
}
