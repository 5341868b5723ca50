using System.Diagnostics;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Entry points for running a scenario: read and parse the whole file, then run it on a fresh
/// backend. The transcript goes to stdout, diagnostics to stderr. The <c>Run*</c> methods return the
/// exit status (<see cref="ScenarioExitCode"/>); the <c>Execute*</c> methods return the whole
/// <see cref="ScenarioOutcome"/>, for a summary of several files.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>How long past its limit a run may take to stop on its own before it is abandoned.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    public static int RunFile(string path, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr) =>
        ExecuteFile(path, backendFactory, stdout, stderr, null).ExitCode;

    public static int RunFile(string path, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options) =>
        ExecuteFile(path, backendFactory, stdout, stderr, options).ExitCode;

    public static int RunText(string displayName, string text, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr) =>
        ExecuteText(displayName, text, backendFactory, stdout, stderr, null).ExitCode;

    public static int RunText(string displayName, string text, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options) =>
        ExecuteText(displayName, text, backendFactory, stdout, stderr, options).ExitCode;

    /// <summary>Runs an already parsed script (e.g. the same script on two backends for a diff).</summary>
    public static int Run(Script script, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options = null) =>
        Execute(script, backendFactory, stdout, stderr, options).ExitCode;

    /// <summary>Reads <paramref name="path"/> (<see cref="ScenarioFile"/>), parses and runs it.</summary>
    public static ScenarioOutcome ExecuteFile(string path, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options) =>
        Load(path, stderr, out var failure) is { } script ? Execute(script, backendFactory, stdout, stderr, options) : failure!;

    public static ScenarioOutcome ExecuteText(string displayName, string text, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options) =>
        Parse(displayName, text, stderr, out var failure) is { } script ? Execute(script, backendFactory, stdout, stderr, options) : failure!;

    /// <summary>
    /// Reads and parses <paramref name="path"/>; null when the file cannot be read or does not parse,
    /// after writing why to <paramref name="stderr"/>, with the outcome in <paramref name="failure"/>.
    /// </summary>
    public static Script? Load(string path, TextWriter stderr, out ScenarioOutcome? failure)
    {
        if (!ScenarioFile.TryRead(path, out string text, out var error))
        {
            stderr.WriteLine(error!.Line);
            failure = ScenarioOutcome.Error(error.Reason);
            return null;
        }
        return Parse(path, text, stderr, out failure);
    }

    private static Script? Parse(string displayName, string text, TextWriter stderr, out ScenarioOutcome? failure)
    {
        var parsed = ScenarioParser.Parse(displayName, text);
        if (parsed.Script is null)
        {
            parsed.WriteErrors(stderr);
            failure = ParseFailure(parsed);
            return null;
        }
        failure = null;
        return parsed.Script;
    }

    /// <summary>The outcome of a file that did not parse: its first error, and how many there were.</summary>
    private static ScenarioOutcome ParseFailure(ParseResult parsed)
    {
        int count = parsed.Errors.Count;
        var first = parsed.Errors[0];
        string where = first.Line > 0 ? $"line {first.Line}: " : "";
        string errors = parsed.Stopped ? $"{count} or more parse errors" : $"{count} parse errors";
        return ScenarioOutcome.Error(count == 1 ? $"{where}{first.Message}" : $"{errors}, the first {where}{first.Message}");
    }

    public static ScenarioOutcome Execute(Script script, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options = null)
    {
        var transcript = new Transcript(stdout, stderr);
        bool check = options?.CheckExpectations ?? true;
        if (options?.TimeLimit is not { } limit)
            return RunOnBackend(script, backendFactory, transcript, null, check, static () => { }, static _ => { });

        ScenarioOutcome? outcome = null;
        using var started = new ManualResetEventSlim();
        // A dedicated thread, so that a backend call that never returns cannot hold the runner past its limit.
        var worker = new Thread(() => RunOnBackend(script, backendFactory, transcript, limit, check, started.Set, o => Volatile.Write(ref outcome, o)))
        {
            IsBackground = true,
            Name = "scenario " + script.DisplayName,
        };
        worker.Start();
        // The limit bounds the run, not the making of the backend (the host backend may wait for the machine lock).
        started.Wait();
        var timedOut = new ScenarioOutcome(ScenarioStatus.Timeout, $"stopped after {limit.TotalSeconds:0.#} s");
        // A backend that stops itself at the deadline ends the run (and its teardown) within the grace.
        if (worker.Join(limit + StopGrace))
            return Volatile.Read(ref outcome) ?? timedOut;
        if (transcript.End("end -> timeout"))
        {
            transcript.Abandon();
            return timedOut;
        }
        // The end line is out, so the status follows at once; only the teardown may still be running.
        SpinWait.SpinUntil(() => Volatile.Read(ref outcome) is not null, TimeSpan.FromSeconds(1));
        return Volatile.Read(ref outcome) ?? timedOut;
    }

    /// <summary>
    /// Runs the script on a new backend and tears it down; <paramref name="started"/> is called once
    /// the backend exists (or could not be made), when the time limit starts; <paramref name="done"/>
    /// gets the outcome as soon as it is known, before the teardown. A backend that throws (a broken
    /// invariant in the emulator, also at teardown) is reported on stderr with exit status 2.
    /// </summary>
    private static ScenarioOutcome RunOnBackend(Script script, Func<IScenarioBackend> backendFactory, Transcript transcript, TimeSpan? limit,
        bool checkExpectations, Action started, Action<ScenarioOutcome> done)
    {
        IScenarioBackend backend;
        try
        {
            backend = backendFactory();
        }
        catch (Exception e)
        {
            started();
            transcript.Err($"{script.DisplayName}: error: cannot start the backend: {e.Message}");
            var failed = ScenarioOutcome.Error($"cannot start the backend: {e.Message}");
            done(failed);
            return failed;
        }
        long? deadline = limit is { } l ? Stopwatch.GetTimestamp() + (long)(l.TotalSeconds * Stopwatch.Frequency) : null;
        started();

        ScenarioOutcome outcome;
        try
        {
            if (deadline is { } stop)
                backend.StopAt(stop);
            outcome = new ScenarioInterpreter(script, backend, transcript, deadline, checkExpectations).Run();
        }
        catch (Exception e)
        {
            transcript.Err($"{script.DisplayName}: error: the {backend.Name} backend failed: {e.Message} ({e.GetType().Name})");
            transcript.End("end -> error");
            outcome = ScenarioOutcome.Error($"the {backend.Name} backend failed: {e.Message}");
        }
        done(outcome);

        try
        {
            backend.Dispose();
        }
        catch (Exception e)
        {
            transcript.Err($"{script.DisplayName}: error: the {backend.Name} backend failed at teardown: {e.Message} ({e.GetType().Name})");
            outcome = ScenarioOutcome.Error($"the {backend.Name} backend failed at teardown: {e.Message}");
            done(outcome);
        }
        return outcome;
    }
}
