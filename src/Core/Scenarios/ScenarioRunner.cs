using System.Diagnostics;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Entry points for running a scenario: parse the whole file, then run it on a fresh backend.
/// The transcript goes to stdout, diagnostics to stderr; the return value is the exit status
/// (<see cref="ScenarioExitCode"/>).
/// </summary>
public static class ScenarioRunner
{
    /// <summary>How long past its limit a run may take to stop on its own before it is abandoned.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    public static int RunFile(string path, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr) =>
        RunFile(path, backendFactory, stdout, stderr, null);

    public static int RunFile(string path, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options)
    {
        string text;
        try
        {
            if (Directory.Exists(path))
                throw new IOException("is a directory");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"error: cannot read '{path}': {ReadFailure(e)}");
            return ScenarioExitCode.ScriptError;
        }
        return RunText(path, text, backendFactory, stdout, stderr, options);
    }

    public static int RunText(string displayName, string text, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr) =>
        RunText(displayName, text, backendFactory, stdout, stderr, null);

    public static int RunText(string displayName, string text, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options)
    {
        var parsed = ScenarioParser.Parse(displayName, text);
        if (parsed.Script is null)
        {
            foreach (var error in parsed.Errors)
                stderr.WriteLine(error.ToString());
            return ScenarioExitCode.ScriptError;
        }
        return Run(parsed.Script, backendFactory, stdout, stderr, options);
    }

    /// <summary>Runs an already parsed script (e.g. the same script on two backends for a diff).</summary>
    public static int Run(Script script, Func<IScenarioBackend> backendFactory, TextWriter stdout, TextWriter stderr, ScenarioRunOptions? options = null)
    {
        var transcript = new Transcript(stdout, stderr);
        if (options?.TimeLimit is not { } limit)
            return RunOnBackend(script, backendFactory, transcript, null, static _ => { });

        long deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        int code = -1;
        // A dedicated thread, so that a backend call that never returns cannot hold the runner past its limit.
        var worker = new Thread(() => RunOnBackend(script, backendFactory, transcript, deadline, c => Volatile.Write(ref code, c)))
        {
            IsBackground = true,
            Name = "scenario " + script.DisplayName,
        };
        worker.Start();
        // A backend that stops itself at the deadline ends the run (and its teardown) within the grace.
        if (worker.Join(limit + StopGrace))
            return code;
        if (transcript.End("end -> timeout"))
        {
            transcript.Abandon();
            return ScenarioExitCode.Timeout;
        }
        // The end line is out, so the status follows at once; only the teardown may still be running.
        SpinWait.SpinUntil(() => Volatile.Read(ref code) >= 0, TimeSpan.FromSeconds(1));
        int finished = Volatile.Read(ref code);
        return finished >= 0 ? finished : ScenarioExitCode.Timeout;
    }

    /// <summary>
    /// Runs the script on a new backend and tears it down; <paramref name="done"/> gets the status as
    /// soon as it is known, before the teardown. A backend that throws (a broken invariant in the
    /// emulator, also at teardown) is reported on stderr with exit status 2.
    /// </summary>
    private static int RunOnBackend(Script script, Func<IScenarioBackend> backendFactory, Transcript transcript, long? deadline, Action<int> done)
    {
        IScenarioBackend backend;
        try
        {
            backend = backendFactory();
        }
        catch (Exception e)
        {
            transcript.Err($"{script.DisplayName}: error: cannot start the backend: {e.Message}");
            done(ScenarioExitCode.ScriptError);
            return ScenarioExitCode.ScriptError;
        }

        int code;
        try
        {
            if (deadline is { } stop)
                backend.StopAt(stop);
            code = new ScenarioInterpreter(script, backend, transcript, deadline).Run();
        }
        catch (Exception e)
        {
            transcript.Err($"{script.DisplayName}: error: the {backend.Name} backend failed: {e.Message} ({e.GetType().Name})");
            code = ScenarioExitCode.ScriptError;
        }
        done(code);

        try
        {
            backend.Dispose();
        }
        catch (Exception e)
        {
            transcript.Err($"{script.DisplayName}: error: the {backend.Name} backend failed at teardown: {e.Message} ({e.GetType().Name})");
            code = ScenarioExitCode.ScriptError;
            done(code);
        }
        return code;
    }

    private static string ReadFailure(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
