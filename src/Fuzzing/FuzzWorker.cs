using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing;

/// <summary>
/// The worker side of <see cref="WorkerExecutor"/>: reads requests from its input, runs each on a
/// fresh emulator, writes the answer. After a run that did not come back, or that ended in a
/// timeout whose thread may still be busy, it answers and exits, so the parent starts a clean one.
/// </summary>
public static class FuzzWorker
{
    /// <param name="backends">The backend factory for an <c>--arch</c> value; asked once per value.</param>
    /// <returns>0 when the input ended, 3 after a stuck run.</returns>
    public static int Serve(TextReader input, TextWriter output, Func<string, Func<IScenarioBackend>> backends)
    {
        var executors = new Dictionary<string, InProcessExecutor>(StringComparer.Ordinal);
        while (input.ReadLine() is { } line)
        {
            var request = WorkerProtocol.Read<WorkerRequest>(line);
            if (!executors.TryGetValue(request.Arch, out var executor))
                executors[request.Arch] = executor = new InProcessExecutor($"emulator {request.Arch}", backends(request.Arch));
            var run = executor.Run(request.Text, TimeSpan.FromSeconds(request.LimitSeconds));
            bool restart = run.End != RunEnd.Finished || run.ExitCode == ScenarioExitCode.Timeout;
            output.WriteLine(WorkerProtocol.Write(new WorkerResponse(run.End, run.ExitCode, run.Stdout, run.Stderr, run.Elapsed.TotalSeconds, restart)));
            output.Flush();
            if (restart)
                return ScenarioExitCode.Timeout;
        }
        return 0;
    }
}
