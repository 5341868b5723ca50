using System.Diagnostics;
using System.Globalization;

namespace Pluggable.HostKernel;

/// <summary>
/// Every process of one scenario on the host, as one process group: process 0 is the worker
/// executable spawned into a group of its own, and each fork stays in it (half-made children of
/// forks blocked on their event included). One SIGKILL to the group therefore ends whatever the
/// scenario left — threads parked on userfaults, forks waiting for their event, queued events,
/// children of children — and the kernel then releases their memory, files and userfaultfds.
/// </summary>
internal sealed class ScenarioGroup
{
    /// <summary>The worker executable, built beside the shim.</summary>
    public const string WorkerName = "pluggable-host-worker";

    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(10);
    private readonly List<HostProcess> _processes = [];
    private readonly ITargetKernel _kernel;

    private ScenarioGroup(ITargetKernel kernel, HostProcess first)
    {
        _kernel = kernel;
        First = first;
        _processes.Add(first);
    }

    public HostProcess First { get; }

    /// <summary>The process group: process 0's pid.</summary>
    public int Id => First.Pid;

    /// <summary>Spawns process 0, which inherits <paramref name="lockFd"/> (and so do its forks).</summary>
    /// <exception cref="HostUnavailableException">The worker cannot be started.</exception>
    public static ScenarioGroup Spawn(ITargetKernel kernel, int lockFd, ulong mapBase)
    {
        var (pid, channel) = kernel.Spawn(lockFd);
        return new ScenarioGroup(kernel, HostProcess.First(pid, channel, mapBase));
    }

    /// <summary>Where the worker executable is: beside the application, else beside this assembly.</summary>
    public static string WorkerPath()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, WorkerName);
        return File.Exists(beside) ? beside : Path.Combine(Path.GetDirectoryName(typeof(ScenarioGroup).Assembly.Location) ?? "", WorkerName);
    }

    /// <summary>A process forked in the scenario, whose socket is to be closed at the end.</summary>
    public void Add(HostProcess process)
    {
        lock (_processes)
            _processes.Add(process);
    }

    /// <summary>
    /// Kills every process of the group and reaps them all, so that what they held is released;
    /// then closes their sockets. Returns the processes still there after the limit (none, unless
    /// the kernel cannot end one), as "pid name state".
    /// </summary>
    public IReadOnlyList<string> End()
    {
        var survivors = _kernel.EndGroup(Id);
        CloseChannels();
        return survivors;
    }

    /// <summary>Kills a process group of this machine and reaps it; the processes still there after the limit.</summary>
    internal static IReadOnlyList<string> KillAndReap(int group)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> survivors = [];
        while (true)
        {
            NativeMethods.Kill(-group, NativeMethods.SigKill);
            while (NativeMethods.WaitPid(-group, out _, NativeMethods.WNoHang) > 0)
            {
            }
            if (NativeMethods.Kill(-group, 0) != 0)
                break;
            if (clock.Elapsed > ExitLimit)
            {
                survivors = Members(group);
                break;
            }
            Thread.Sleep(1);
        }
        return survivors;
    }

    /// <summary>Closes the sockets of the processes (again: a fork that returned as the group was killed attaches late).</summary>
    public void CloseChannels()
    {
        lock (_processes)
        {
            foreach (var process in _processes)
                process.Close();
        }
    }

    /// <summary>The processes of a process group, from /proc/PID/stat (the fifth field is the group).</summary>
    internal static IReadOnlyList<string> Members(int group)
    {
        var members = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            int close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            if (fields.Length > 2 && fields[2] == group.ToString(CultureInfo.InvariantCulture))
                members.Add($"{pid} {stat[(stat.IndexOf('(') + 1)..close]} {fields[0]}");
        }
        return members;
    }
}
