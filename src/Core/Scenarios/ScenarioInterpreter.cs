using System.Diagnostics;

using Pluggable.Core.Mm;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Runs a parsed script on one backend and writes the transcript (Output): one line per command,
/// its <c>  | </c> detail lines, then a continuation line per parked thread that finished, in
/// thread order; expectations are checked as it goes; <c>end -&gt; ...</c> closes the transcript.
/// The caller owns and disposes the backend.
/// </summary>
internal sealed class ScenarioInterpreter
{
    private readonly Script _script;
    private readonly IScenarioBackend _backend;
    private readonly Transcript _transcript;
    private readonly long? _deadline;
    private readonly ProcessTree _processes = new();
    private readonly ThreadTable _threads = new();
    private readonly LabelAddressFormatter _addresses;
    private readonly ResultFormatter _results;
    private readonly CommandExecutor _executor;
    private bool _expectationFailed;
    private bool _scriptError;
    private bool _timedOut;

    /// <param name="deadline">A <see cref="Stopwatch"/> timestamp after which no further command starts.</param>
    public ScenarioInterpreter(Script script, IScenarioBackend backend, Transcript transcript, long? deadline)
    {
        _script = script;
        _backend = backend;
        _transcript = transcript;
        _deadline = deadline;
        _addresses = new LabelAddressFormatter(_processes, backend.Facts.PageSize);
        _results = new ResultFormatter(_addresses);
        _executor = new CommandExecutor(backend, _processes, _addresses);
    }

    public int Run()
    {
        var facts = _backend.Facts;
        foreach (var statement in _script.Statements)
        {
            if (statement.Command is ArchCommand arch && !ArchMatches(arch.Name, facts))
            {
                _transcript.Out($"{statement.Echo} -> skipped");
                _transcript.End("end -> skipped");
                return ScenarioExitCode.Ok;
            }
        }

        _backend.AddressFormatter = _addresses;
        foreach (var statement in _script.Statements)
        {
            if (_deadline is { } deadline && Stopwatch.GetTimestamp() > deadline)
            {
                _transcript.End("end -> timeout");
                return ScenarioExitCode.Timeout;
            }
            if (!RunStatement(statement))
            {
                if (!_timedOut)
                    return ScenarioExitCode.ScriptError;
                _transcript.End("end -> timeout");
                return ScenarioExitCode.Timeout;
            }
        }

        string? parked = _threads.Parked();
        _transcript.End(parked is null ? "end -> ok" : $"end -> blocked {parked}");
        return _scriptError ? ScenarioExitCode.ScriptError
            : _expectationFailed ? ScenarioExitCode.ExpectationFailed
            : ScenarioExitCode.Ok;
    }

    /// <summary><c>any</c> always runs; otherwise the backend's architecture name or one of its aliases.</summary>
    internal static bool ArchMatches(string name, BackendFacts facts)
    {
        if (name == "any" || string.Equals(name, facts.ArchName, StringComparison.OrdinalIgnoreCase))
            return true;
        foreach (var alias in facts.ArchAliases)
        {
            if (string.Equals(name, alias, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>Runs one line; false when the backend failed or the run's time is up, and the run cannot go on.</summary>
    private bool RunStatement(Statement statement)
    {
        var context = new CommandContext(statement, _processes.Main);
        try
        {
            CommandResult result;
            try
            {
                result = _executor.Execute(statement.Command, context);
            }
            catch (ScriptErrorException e)
            {
                result = CommandResult.ScriptError(e.Message);
            }

            string text = Describe(result, context);
            _transcript.Out($"{statement.Echo} -> {text}");
            WriteDetail(result);

            if (result.Kind == ResultKind.ScriptError)
            {
                _scriptError = true;
                _transcript.Err($"{_script.DisplayName}:{statement.Line}: {text}");
            }
            if (statement.Expectation is { } expected && result.Kind != ResultKind.Unsupported && expected != text.Trim())
            {
                _expectationFailed = true;
                _transcript.Err($"{_script.DisplayName}:{statement.Line}: expected '{expected}', got '{text.Trim()}'");
            }

            WriteCompletions();
            return true;
        }
        catch (TimeLimitExceededException)
        {
            _timedOut = true;
            return false;
        }
        catch (Exception e)
        {
            // A kernel assertion in the emulator, or a broken backend: report it with the line, stop.
            _transcript.Err($"{_script.DisplayName}:{statement.Line}: error: the {_backend.Name} backend failed: {e.Message} ({e.GetType().Name})");
            return false;
        }
    }

    /// <summary>The result text; names a newly parked thread and binds a fork event's userfaultfd first.</summary>
    private string Describe(CommandResult result, CommandContext context)
    {
        string? thread = result.Kind == ResultKind.Blocked ? _threads.Park(result.Thread, context).Name : null;
        string? forkUffd = null;
        if (result is { Kind: ResultKind.Message, Message: { Event: UffdEvent.Fork } message } && context.ReadFrom is { } readFrom)
            forkUffd = _executor.BindForkUffd(readFrom, message.NewUffd);
        return _results.Format(result, context, thread, forkUffd);
    }

    private void WriteDetail(CommandResult result)
    {
        if (result.Detail is null)
            return;
        foreach (var line in result.Detail)
            _transcript.Out($"  | {line}");
    }

    private void WriteCompletions()
    {
        var completions = _backend.TakeCompletions();
        if (completions.Count == 0)
            return;
        var finished = new List<(ParkedThread Thread, CommandResult Result)>(completions.Count);
        foreach (var completion in completions)
        {
            var thread = _threads.Take(completion.Thread);
            if (completion.Result.Kind == ResultKind.Blocked)
                _threads.Repark(completion.Result.Thread, thread);
            else
                finished.Add((thread, completion.Result));
        }
        finished.Sort(static (x, y) => x.Thread.Number.CompareTo(y.Thread.Number));

        foreach (var (thread, result) in finished)
        {
            var context = thread.Context;
            if (context.ForkChild is { WaitingForForkEvent: true } child)
            {
                if (result.Kind == ResultKind.Ok)
                    child.WaitingForForkEvent = false;
                else
                    _processes.Remove(child);
            }
            _transcript.Out($"  {thread.Name} -> {Describe(result, context)}");
            WriteDetail(result);
        }
    }
}
