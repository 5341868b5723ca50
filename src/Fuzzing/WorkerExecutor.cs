using System.Diagnostics;
using System.Text;

namespace Pluggable.Fuzzing;

/// <summary>
/// Runs scenarios on the emulator in a worker process (<see cref="FuzzWorker"/>, started from
/// <see cref="WorkerCommand"/>), so that a run that hangs or eats memory costs a restart, not the
/// caller: the worker is stopped when it does not answer within the limit and a grace, or when it
/// grows by more than <see cref="MemoryCap"/> during a run, and a new one serves the next run. One
/// worker serves every architecture configuration (<see cref="For"/>).
/// </summary>
/// <param name="cpuTime">The worker's CPU time so far (null once it exited); by default what the system says.</param>
public sealed class WorkerExecutor(WorkerCommand command, ulong memoryCap, Func<Process, TimeSpan?>? cpuTime = null) : IDisposable
{
    private readonly Func<Process, TimeSpan?> _cpuTime = cpuTime ?? CpuTime;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    private Process? _worker;
    private StringBuilder _stderrTail = new();

    /// <summary>How much the worker may grow during one run before it is stopped and the run reported as runaway memory.</summary>
    public ulong MemoryCap { get; } = memoryCap;

    /// <summary>Workers started so far (the first one included).</summary>
    public int Starts { get; private set; }

    /// <summary>An executor for one configuration (<paramref name="arch"/>, an <c>--arch</c> value) on this worker.</summary>
    public IScenarioExecutor For(string arch) => new ArchExecutor(this, arch);

    /// <summary>
    /// Runs <paramref name="text"/>; a run that ran out of time while the worker had the CPU for
    /// less than <see cref="StarvedShare"/> of it was starved by a loaded machine, not hung, and
    /// runs again (<see cref="StarvedRetries"/> times at most): a hang is endless work, not a wait
    /// for a processor. The last try has <see cref="LastTryPatience"/> times the limit, so that a
    /// machine loaded for longer than the first tries is not taken for a hang either.
    /// </summary>
    public RunRecord Run(string arch, string text, TimeSpan limit)
    {
        for (int attempt = 0; ; attempt++)
        {
            var run = RunOnce(arch, text, attempt == StarvedRetries ? limit * LastTryPatience : limit, out var cpu);
            if (run.ExitCode != Pluggable.Core.Scenarios.ScenarioExitCode.Timeout || attempt == StarvedRetries || cpu is not { } used || used >= limit * StarvedShare)
                return run;
        }
    }

    /// <summary>
    /// Below this share of its limit in CPU time, a run that timed out was starved. The emulator runs
    /// a scenario on one thread and never sleeps, so a hang computes through its whole limit; at half,
    /// a 1.5 s populate was still called a hang while a test suite shared the machine's two cores.
    /// </summary>
    public const double StarvedShare = 0.8;

    public const int StarvedRetries = 2;

    public const int LastTryPatience = 4;

    /// <param name="cpu">The worker's CPU time during the run, when it is known.</param>
    private RunRecord RunOnce(string arch, string text, TimeSpan limit, out TimeSpan? cpu)
    {
        cpu = null;
        var started = Stopwatch.StartNew();
        var worker = Worker();
        // What earlier runs left behind (the runtime's heaps, the allocator's arenas) is not this
        // run's doing: growth is measured from here, and a worker that holds much starts afresh.
        ulong baseline = Resident(worker);
        if (baseline > MemoryCap / 2)
        {
            Stop();
            worker = Worker();
            baseline = Resident(worker);
        }
        var cpuBefore = _cpuTime(worker);
        try
        {
            worker.StandardInput.WriteLine(WorkerProtocol.Write(new WorkerRequest(arch, text, limit.TotalSeconds)));
            worker.StandardInput.Flush();
        }
        catch (IOException)
        {
            return Died(worker, started);
        }

        var line = worker.StandardOutput.ReadLineAsync();
        var deadline = limit + InProcessExecutor.Grace + TimeSpan.FromSeconds(1);
        while (!line.Wait(Poll))
        {
            if (worker.HasExited)
            {
                // Its answer may still be in the pipe.
                line.Wait(TimeSpan.FromSeconds(1));
                break;
            }
            ulong resident = Resident(worker);
            if (resident > baseline + MemoryCap)
            {
                Stop();
                return RunRecord.Unfinished(RunEnd.OutOfMemory,
                    $"the emulator process grew by {(resident - baseline) >> 20} MiB during the run, past its cap of {MemoryCap >> 20} MiB", started.Elapsed);
            }
            if (started.Elapsed > deadline)
            {
                Stop();
                return RunRecord.Unfinished(RunEnd.NoAnswer, $"no answer within {deadline.TotalSeconds:0.#} s", started.Elapsed);
            }
        }

        string? answer = line.IsCompletedSuccessfully ? line.Result : null;
        if (answer is null)
            return Died(worker, started);
        var response = WorkerProtocol.Read<WorkerResponse>(answer);
        cpu = _cpuTime(worker) is { } after && cpuBefore is { } before ? after - before : null;
        if (response.Restart)
            Stop();
        return new RunRecord(response.End, response.ExitCode, response.Stdout, response.Stderr, TimeSpan.FromSeconds(response.Seconds));
    }

    /// <summary>The worker is gone: its exit status and its last words on stderr say why.</summary>
    private RunRecord Died(Process worker, Stopwatch started)
    {
        string exit = "unknown";
        if (worker.WaitForExit(1000))
        {
            // Exited: this overload also waits until its last words on stderr are read.
            worker.WaitForExit();
            exit = worker.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        string tail = StderrTail();
        Stop();
        return RunRecord.Unfinished(RunEnd.Died, $"exit status {exit}: {tail}", started.Elapsed);
    }

    /// <summary>The process's CPU time so far; null once it exited.</summary>
    private static TimeSpan? CpuTime(Process process)
    {
        try
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static ulong Resident(Process process)
    {
        try
        {
            process.Refresh();
            return (ulong)Math.Max(0, process.WorkingSet64);
        }
        catch (InvalidOperationException)
        {
            // It exited: the caller sees that next.
            return 0;
        }
    }

    private Process Worker()
    {
        if (_worker is { HasExited: false })
            return _worker;
        Stop();
        var info = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Arguments)
            info.ArgumentList.Add(argument);
        var worker = Process.Start(info) ?? throw new InvalidOperationException($"could not start the fuzz worker {command}");
        _stderrTail = new StringBuilder();
        var tail = _stderrTail;
        worker.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (tail)
            {
                tail.AppendLine(e.Data);
                if (tail.Length > 4096)
                    tail.Remove(0, tail.Length - 4096);
            }
        };
        worker.BeginErrorReadLine();
        Starts++;
        _worker = worker;
        return worker;
    }

    private string StderrTail()
    {
        lock (_stderrTail)
            return _stderrTail.ToString().Trim();
    }

    private void Stop()
    {
        if (_worker is null)
            return;
        try
        {
            if (!_worker.HasExited)
                _worker.Kill(entireProcessTree: true);
            _worker.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        _worker.Dispose();
        _worker = null;
    }

    public void Dispose() => Stop();

    private sealed class ArchExecutor(WorkerExecutor worker, string arch) : IScenarioExecutor
    {
        public string Name => $"emulator {arch}";

        public RunRecord Run(string text, TimeSpan limit) => worker.Run(arch, text, limit);
    }
}

/// <summary>How to start a fuzz worker: a program and its arguments (for the CLI, itself with <c>fuzz-worker</c>).</summary>
public sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);
}
