using System.Diagnostics;
using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing;

/// <summary>
/// Runs scenarios in this process, each on a thread of its own, so that a run that does not come
/// back within its limit (parsing included, which the runner's own limit does not cover) is
/// reported instead of holding the caller. A stuck thread cannot be stopped: after one, the
/// executor refuses further runs (<see cref="Stuck"/>), and whoever owns the process decides.
/// </summary>
public sealed class InProcessExecutor(string name, Func<IScenarioBackend> backend) : IScenarioExecutor
{
    /// <summary>
    /// How long past its limit a run may take to answer: the runner itself returns at most a second
    /// after its limit, whatever the backend's teardown does.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    public string Name { get; } = name;

    /// <summary>A run of this executor never came back: its thread is still busy in this process.</summary>
    public bool Stuck { get; private set; }

    public RunRecord Run(string text, TimeSpan limit)
    {
        if (Stuck)
            throw new InvalidOperationException($"{Name}: an earlier run is still stuck in this process; no further runs");
        var stdout = new BoundedTranscript { NewLine = "\n" };
        var stderr = new BoundedTranscript { NewLine = "\n" };
        var started = Stopwatch.StartNew();
        int code = -1;
        Exception? escaped = null;
        var thread = new Thread(() =>
        {
            try
            {
                code = ScenarioRunner.RunText("scenario", text, backend, stdout, stderr, new ScenarioRunOptions { TimeLimit = limit });
            }
            catch (Exception e)
            {
                escaped = e;
            }
        })
        {
            IsBackground = true,
            Name = $"fuzz run on {Name}",
        };
        thread.Start();
        if (!thread.Join(limit + Grace))
        {
            Stuck = true;
            return RunRecord.Unfinished(RunEnd.NoAnswer, $"no answer within {limit.TotalSeconds:0.#} s", started.Elapsed);
        }
        // Past its limit the runner abandons the transcript, so nothing writes to these any more.
        string err = stderr.ToString();
        if (escaped is not null)
            err += $"scenario: error: the runner itself failed: {escaped.Message} ({escaped.GetType().Name})\n{escaped.StackTrace}\n";
        return new RunRecord(RunEnd.Finished, escaped is null ? code : 2, stdout.ToString(), err, started.Elapsed);
    }
}
