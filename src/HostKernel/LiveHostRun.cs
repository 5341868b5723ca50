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
    public static void EndPrevious() => EndCurrent("a newer host backend of this process");

    public static void Enter(HostBackend backend)
    {
        lock (Gate)
        {
            s_current = backend;
            if (s_signals is not null)
                return;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => EndCurrent("the process's exit");
            AppDomain.CurrentDomain.UnhandledException += (_, _) => EndCurrent("an unhandled exception");
            s_signals = [.. new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3) }
                .Select(s => PosixSignalRegistration.Create(s.Item1, context => EndBySignal(context, s.Item2)))];
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

    /// <summary>
    /// Ends the live run, then lets the run's own thread say so and exit (its backend call fails
    /// with HostRunEndedException): the signal's default action, taken at once, could end the
    /// process before that line is written. Should that thread not get there, the process exits
    /// with the signal's status after <see cref="ReportGrace"/> all the same.
    /// </summary>
    private static void EndBySignal(PosixSignalContext context, int number)
    {
        if (Current() is not { } current)
            return;
        current.Abandon(context.Signal.ToString());
        context.Cancel = true;
        new Thread(() =>
        {
            Thread.Sleep(ReportGrace);
            Environment.Exit(128 + number);
        }) { IsBackground = true, Name = "host run signal exit" }.Start();
    }

    private static readonly TimeSpan ReportGrace = TimeSpan.FromSeconds(5);

    private static void EndCurrent(string by) => Current()?.Abandon(by);

    private static HostBackend? Current()
    {
        lock (Gate)
            return s_current;
    }
}
