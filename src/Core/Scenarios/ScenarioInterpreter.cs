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
    private readonly bool _checkExpectations;
    private readonly ProcessTree _processes = new();
    private readonly ThreadTable _threads = new();
    private readonly LabelAddressFormatter _addresses;
    private readonly ResultFormatter _results;
    private readonly CommandExecutor _executor;
    private int _expectations;
    private int _failedExpectations;
    private string? _firstScriptError;

    /// <param name="deadline">A <see cref="Stopwatch"/> timestamp after which no further command starts.</param>
    /// <param name="checkExpectations">False to ignore every <c>=&gt;</c> (a comparison of two backends).</param>
    public ScenarioInterpreter(Script script, IScenarioBackend backend, Transcript transcript, long? deadline, bool checkExpectations = true)
    {
        _script = script;
        _backend = backend;
        _transcript = transcript;
        _deadline = deadline;
        _checkExpectations = checkExpectations;
        _addresses = new LabelAddressFormatter(_processes, backend.Facts.PageSize);
        _results = new ResultFormatter(_addresses);
        _executor = new CommandExecutor(backend, _processes, _addresses);
    }

    /// <summary>
    /// Runs every statement and writes the end line: <c>ok</c> or <c>blocked tN,...</c> when
    /// nothing went wrong, <c>failed</c> after a failed expectation, <c>error</c> after a script error
    /// or a backend failure (which stops the run), each followed by <c>, blocked tN,...</c> when
    /// threads are still parked; <c>skipped</c> and <c>timeout</c> stand alone.
    /// </summary>
    public ScenarioOutcome Run()
    {
        var facts = _backend.Facts;
        foreach (var statement in _script.Statements)
        {
            if (statement.Command is ArchCommand arch && !ArchMatches(arch.Name, facts))
            {
                _transcript.Out($"{statement.Echo} -> skipped");
                _transcript.End("end -> skipped");
                return new ScenarioOutcome(ScenarioStatus.Skipped, $"arch {arch.Name}, and this is {facts.ArchName}");
            }
            if (statement.Command is NeedsCommand needs && Unmet(needs, facts) is { } unmet)
            {
                _transcript.Out($"{statement.Echo} -> skipped");
                _transcript.End("end -> skipped");
                return new ScenarioOutcome(ScenarioStatus.Skipped, unmet);
            }
        }

        _backend.AddressFormatter = _addresses;
        foreach (var statement in _script.Statements)
        {
            if (_deadline is { } deadline && Stopwatch.GetTimestamp() > deadline)
            {
                _transcript.End("end -> timeout");
                return new ScenarioOutcome(ScenarioStatus.Timeout, $"{Line(statement)} not started within the time limit");
            }
            string? failure;
            try
            {
                failure = RunStatement(statement);
            }
            catch (TimeLimitExceededException)
            {
                _transcript.End("end -> timeout");
                return new ScenarioOutcome(ScenarioStatus.Timeout, $"{Line(statement)} stopped at the time limit");
            }
            if (failure is not null)
            {
                _transcript.End(EndLine("error"));
                return ScenarioOutcome.Error(failure);
            }
        }

        if (_firstScriptError is { } error)
        {
            _transcript.End(EndLine("error"));
            return ScenarioOutcome.Error(error);
        }
        if (_failedExpectations > 0)
        {
            _transcript.End(EndLine("failed"));
            return new ScenarioOutcome(ScenarioStatus.Failed, $"{_failedExpectations} of {_expectations} expectations failed");
        }
        _transcript.End(EndLine(null));
        return ScenarioOutcome.Passed;
    }

    private string EndLine(string? problem)
    {
        string? parked = _threads.Parked();
        return (problem, parked) switch
        {
            (null, null) => "end -> ok",
            (null, _) => $"end -> blocked {parked}",
            (_, null) => $"end -> {problem}",
            _ => $"end -> {problem}, blocked {parked}",
        };
    }

    /// <summary><c>line N</c>, or for a statement a tool added, the statement, for outcomes (which name the file elsewhere).</summary>
    private static string Line(Statement statement) => statement.Added ? $"'{statement.Echo}'" : $"line {statement.Line}";

    /// <summary><c>FILE:LINE</c>, or for a statement a tool added, the file and the statement.</summary>
    private string Where(Statement statement) =>
        statement.Added ? $"{_script.DisplayName} (added '{statement.Echo}')" : $"{_script.DisplayName}:{statement.Line}";

    /// <summary>
    /// <c>any</c> always runs; otherwise the backend's architecture name or one of its aliases,
    /// optionally with <c>:OPTION=VALUE,...</c> that the configuration must all have; a release
    /// condition (<c>linux&lt;6.13</c>, <c>linux&gt;=6.10</c>, <c>linux=6.12</c>) alone or among the options.
    /// </summary>
    internal static bool ArchMatches(string name, BackendFacts facts)
    {
        if (KernelCondition.TryParse(name, out var alone))
            return alone.Holds(facts.Kernel);
        int colon = name.IndexOf(':');
        if (colon >= 0)
        {
            var have = facts.Configuration.Split(',', StringSplitOptions.TrimEntries);
            return ArchMatches(name[..colon], facts)
                && name[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries).All(o =>
                    KernelCondition.TryParse(o, out var condition) ? condition.Holds(facts.Kernel) : have.Contains(o, StringComparer.OrdinalIgnoreCase));
        }
        if (name == "any" || string.Equals(name, facts.ArchName, StringComparison.OrdinalIgnoreCase))
            return true;
        foreach (var alias in facts.ArchAliases)
        {
            if (string.Equals(name, alias, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>Why the architecture does not meet a <c>needs</c> line, or null when it does.</summary>
    internal static string? Unmet(NeedsCommand needs, BackendFacts facts)
    {
        foreach (var release in needs.Releases ?? [])
        {
            // A backend whose release is unknown runs the file: its answers say the rest.
            if (facts.Kernel is { } kernel && !release.Holds(kernel))
                return $"needs {release}, and this is Linux {kernel}";
        }
        foreach (var feature in needs.Features ?? [])
        {
            if (!facts.Has(feature))
                return $"needs {feature}, which {facts.ArchName} here does not have";
        }
        foreach (var (key, size) in needs.Requirements)
        {
            ulong wanted = size.Resolve(facts);
            if (key == "pool")
            {
                if (facts.HugePageSizes is { } pools && !pools.Contains(wanted))
                    return $"needs pool={size}, and {facts.ArchName} here has huge pages of {string.Join(", ", pools.Select(SizeExpr.Name))}";
                continue;
            }
            ulong has = key switch { "page" => facts.PageSize, "hugepage" => facts.HugePageSize, _ => facts.PmdSize };
            if (has != wanted)
                return $"needs {key}={size}, and {facts.ArchName} here has {key}={SizeExpr.Name(has)}";
        }
        return null;
    }

    /// <summary>
    /// Runs one line; the failure, when the backend failed and the run cannot go on. A command the
    /// emulator stopped at the run's deadline throws <see cref="TimeLimitExceededException"/> on.
    /// </summary>
    private string? RunStatement(Statement statement)
    {
        var context = new CommandContext(statement, _processes.Main);
        try
        {
            CommandResult result;
            try
            {
                result = _executor.Execute(statement.Command, context);
            }
            catch (ScriptErrorException) when (statement.Added)
            {
                // A dump inspect added for a mapping the script never made (its mmap failed): nothing to show.
                return null;
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
                _firstScriptError ??= $"{Line(statement)}: {result.Text}";
                _transcript.Err($"{Where(statement)}: {text}");
            }
            if (_checkExpectations && statement.Expectation is { } expected && result.Kind != ResultKind.Unsupported)
            {
                _expectations++;
                if (!ExpectationText.Holds(expected, text.Trim(), _executor.Facts))
                {
                    _failedExpectations++;
                    _transcript.Err($"{Where(statement)}: expected '{expected}', got '{text.Trim()}'");
                }
            }

            WriteCompletions();
            return null;
        }
        catch (Exception e) when (e is not TimeLimitExceededException)
        {
            // A kernel assertion in the emulator, or a broken backend: report it with the line, stop.
            _transcript.Err($"{Where(statement)}: error: the {_backend.Name} backend failed: {e.Message} ({e.GetType().Name})");
            return $"{Line(statement)}: the {_backend.Name} backend failed: {e.Message}";
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
