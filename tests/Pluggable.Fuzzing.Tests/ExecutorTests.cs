using System.Diagnostics;
using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing.Tests;

[Collection(SearchCollection.Name)]
public class ExecutorTests(WorkerFixture fixture)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    [Fact]
    public void The_worker_runs_a_scenario_on_the_configuration_asked_for()
    {
        var run = fixture.Worker.For("arm64:granule=16k,va=48").Run("mmap a anon 1p\ntouch a read\n", TimeSpan.FromSeconds(10));
        Assert.Equal(RunEnd.Finished, run.End);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("mmap a anon 1p -> ok\ntouch a read -> ok 0x00\nend -> ok\n", run.Stdout);
    }

    /// <summary>
    /// The runner's limit starts once the backend exists (a host backend may wait for the machine
    /// lock first), so a backend that is never made is caught by the executor's own bound: no answer
    /// a grace period past the limit, judged a hang, and the executor refuses further runs.
    /// </summary>
    [Fact]
    public void A_backend_that_never_comes_back_is_a_hang_soon_after_the_limit()
    {
        var executor = new InProcessExecutor("sleeper", () =>
        {
            Thread.Sleep(Timeout.Infinite);
            throw new InvalidOperationException("unreachable");
        });
        var clock = Stopwatch.StartNew();
        var run = executor.Run("mmap a anon 1p\n", Short);
        Assert.True(clock.Elapsed < Short + InProcessExecutor.Grace + TimeSpan.FromSeconds(1), $"{clock.Elapsed}");
        Assert.Equal(RunEnd.NoAnswer, run.End);
        Assert.Equal(FindingKind.Hang, RunJudge.Judge("mmap a anon 1p\n", run, ScenarioOrigin.Generated)?.Kind);
        Assert.True(executor.Stuck);
    }

    [Fact]
    public void A_backend_that_cannot_start_is_an_internal_error()
    {
        var run = new InProcessExecutor("broken", () => throw new NullReferenceException("no machine")).Run("mmap a anon 1p\n", Short);
        var verdict = RunJudge.Judge("mmap a anon 1p\n", run, ScenarioOrigin.Generated);
        Assert.Equal(FindingKind.InternalError, verdict?.Kind);
        Assert.Contains("no machine", verdict?.Summary);
    }

    [Fact]
    public void A_worker_that_does_not_answer_is_stopped_after_the_limit_and_a_grace()
    {
        using var worker = new WorkerExecutor(new WorkerCommand("/bin/sh", ["-c", "exec sleep 60"]), 1UL << 30);
        var clock = Stopwatch.StartNew();
        var run = worker.Run("x86_64", "mmap a anon 1p\n", Short);
        Assert.Equal(RunEnd.NoAnswer, run.End);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"{clock.Elapsed}");
    }

    private const string TimedOut = """{"End":0,"ExitCode":3,"Stdout":"end -> timeout\n","Stderr":"","Seconds":1,"Restart":true}""";
    private const string Finished = """{"End":0,"ExitCode":0,"Stdout":"end -> ok\n","Stderr":"","Seconds":0.1,"Restart":false}""";

    /// <summary>A worker that slept through its limit (the machine gave it no CPU) was starved, not hung: the run is made again.</summary>
    [Fact]
    public void A_run_that_timed_out_without_the_cpu_runs_again()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"pluggable-starved-{Guid.NewGuid():N}");
        try
        {
            // The first worker answers a timeout after sleeping; the next one, started for the retry, finishes.
            string script = $"read line; if [ -e {marker} ]; then printf '%s\n' '{Finished}'; else touch {marker}; sleep 1; printf '%s\n' '{TimedOut}'; fi; read line";
            using var worker = new WorkerExecutor(new WorkerCommand("/bin/sh", ["-c", script]), 1UL << 30);
            var run = worker.Run("x86_64", "mmap a anon 1p\n", Short);
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(2, worker.Starts);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    /// <summary>A machine loaded through every try: the last one has a longer limit, and the run is not taken for a hang.</summary>
    [Fact]
    public void The_last_try_of_a_starved_run_has_a_longer_limit()
    {
        // Every worker sleeps through a one-second limit; only the longer one of the last try lets it finish.
        string script = $"read line; case \"$line\" in *'\"LimitSeconds\":{WorkerExecutor.LastTryPatience}'*) printf '%s\n' '{Finished}';; *) sleep 1; printf '%s\n' '{TimedOut}';; esac; read line";
        using var worker = new WorkerExecutor(new WorkerCommand("/bin/sh", ["-c", script]), 1UL << 30);
        var run = worker.Run("x86_64", "mmap a anon 1p\n", Short);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(WorkerExecutor.StarvedRetries + 1, worker.Starts);
    }

    /// <summary>A worker that spent its limit computing is a hang, and is not asked again.</summary>
    [Fact]
    public void A_run_that_timed_out_busy_is_a_hang_at_once()
    {
        // Each look at the worker's clock finds it a whole limit further on: it computed all along.
        long looks = 0;
        using var worker = new WorkerExecutor(new WorkerCommand("/bin/sh", ["-c", $"read line; printf '%s\n' '{TimedOut}'; read line"]), 1UL << 30,
            _ => Short * Interlocked.Increment(ref looks));
        var run = worker.Run("x86_64", "mmap a anon 1p\n", Short);
        Assert.Equal(ScenarioExitCode.Timeout, run.ExitCode);
        Assert.Equal(1, worker.Starts);
    }

    [Fact]
    public void A_worker_that_dies_is_reported_with_its_last_words_and_replaced()
    {
        using var worker = new WorkerExecutor(new WorkerCommand("/bin/sh", ["-c", "echo out of stack >&2; exit 134"]), 1UL << 30);
        var run = worker.Run("x86_64", "mmap a anon 1p\n", Short);
        Assert.Equal(RunEnd.Died, run.End);
        Assert.Contains("134", run.Stderr);
        Assert.Contains("out of stack", run.Stderr);
        worker.Run("x86_64", "mmap a anon 1p\n", Short);
        Assert.Equal(2, worker.Starts);
    }

    [Fact]
    public void A_worker_that_grows_past_its_cap_is_stopped()
    {
        using var worker = new WorkerExecutor(new WorkerCommand("/bin/sh", ["-c", "x=$(head -c 400000000 /dev/zero | tr '\\0' a); sleep 60"]), 32UL << 20);
        var run = worker.Run("x86_64", "mmap a anon 1p\n", TimeSpan.FromSeconds(30));
        Assert.Equal(RunEnd.OutOfMemory, run.End);
        Assert.Equal(FindingKind.RunawayMemory, RunJudge.Judge("mmap a anon 1p\n", run, ScenarioOrigin.Generated)?.Kind);
    }

    /// <summary>Answers the settling scenario with <paramref name="settleExit"/>, anything else with exit 0; counts what it ran.</summary>
    private sealed class Counting(int settleExit) : IScenarioExecutor
    {
        public List<string> Ran { get; } = [];

        public string Name => "host";

        public RunRecord Run(string text, TimeSpan limit)
        {
            Ran.Add(text);
            bool settling = text == SettlingExecutor.SettleText;
            return new RunRecord(RunEnd.Finished, settling ? settleExit : 0, "end -> ok\n",
                settling && settleExit != 0 ? "scenario: error: cannot start the backend: another host backend of this process was not disposed\n" : "", TimeSpan.Zero);
        }
    }

    [Fact]
    public void Every_host_run_starts_after_one_that_does_nothing_has_run()
    {
        var inner = new Counting(settleExit: 0);
        var settling = new SettlingExecutor(inner, Short);
        Assert.Equal(0, settling.Run("mmap a anon 1p\n", Short).ExitCode);
        Assert.Equal(0, settling.Run("mmap b anon 1p\n", Short).ExitCode);
        Assert.Equal([SettlingExecutor.SettleText, "mmap a anon 1p\n", SettlingExecutor.SettleText, "mmap b anon 1p\n"], inner.Ran);
        Assert.Null(settling.Stuck);
    }

    [Fact]
    public void A_host_that_cannot_run_a_scenario_that_does_nothing_is_stuck_and_runs_nothing_more()
    {
        var inner = new Counting(settleExit: 2);
        var settling = new SettlingExecutor(inner, Short);
        var run = settling.Run("mmap a anon 1p\n", Short);
        settling.Run("mmap b anon 1p\n", Short);
        Assert.Equal(RunEnd.NoAnswer, run.End);
        Assert.Contains("another host backend of this process was not disposed", settling.Stuck);
        Assert.Equal([SettlingExecutor.SettleText], inner.Ran);
    }
}
