using System.Diagnostics;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel.Tests;

/// <summary>One scenario run on the host through the scenario runner, with what it printed and the backend it used.</summary>
internal sealed record HostRun(int ExitCode, string Out, string Err, TimeSpan Elapsed, int ProcessGroup)
{
    public const string Sysfs = "/sys/kernel/mm";

    /// <param name="onLine">Called with each transcript line as it is written, on the run's thread, before the next command.</param>
    public static HostRun Of(string text, Action<string, HostBackend>? onLine = null, ScenarioRunOptions? options = null)
    {
        HostBackend? backend = null;
        var stdout = new HookedWriter(line => onLine?.Invoke(line, backend!));
        var stderr = new StringWriter { NewLine = "\n" };
        var clock = Stopwatch.StartNew();
        int code = ScenarioRunner.RunText("t.scenario", text, () => backend = new HostBackend(new HostBackendOptions { Notices = stderr }), stdout, stderr, options);
        clock.Stop();
        return new HostRun(code, stdout.ToString(), stderr.ToString(), clock.Elapsed, backend?.ProcessGroup ?? 0);
    }

    /// <summary>The machine's state read under the machine lock, so that no run of the project is halfway through.</summary>
    public static MachineState MachineNow()
    {
        var machine = HostMachine.Take(new HostBackendOptions { Notices = TextWriter.Null });
        try
        {
            return MachineState.Read(Sysfs);
        }
        finally
        {
            machine.RestoreAndRelease();
        }
    }

    public static void RequireHost()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and this test needs it (CI runs it as root on Linux x86_64 with userfaultfd): {reason}");
    }

    private sealed class HookedWriter(Action<string> onLine) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.Write(value);
            base.Write('\n');
            onLine(value ?? "");
        }
    }
}
