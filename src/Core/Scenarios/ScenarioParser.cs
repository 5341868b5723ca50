using System.Buffers;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Parses a whole scenario before anything runs (Lexical rules). Each bad line yields one
/// diagnostic (its first error); the script is null when there is any. Parsing is linear in the
/// text, and what it keeps is bounded: it stops at the <see cref="MaxErrors"/>th error, as a
/// compiler does, since a file that wrong is not worth reading further (and each error costs an
/// exception); a text with control characters is refused with one message, as not a scenario.
/// </summary>
public static class ScenarioParser
{
    /// <summary>The error at which a parse stops (<see cref="ParseResult.Stopped"/>).</summary>
    public const int MaxErrors = 20;

    private static readonly KeywordTable<Func<LineCursor, ScenarioCommand>> Commands = BuildCommands(inner: false);

    /// <summary>What may follow <c>in NAME</c>: every command but <c>arch</c>; a further <c>in</c> is read by <see cref="In"/>.</summary>
    private static readonly KeywordTable<Func<LineCursor, ScenarioCommand>> InnerCommands = BuildCommands(inner: true);

    /// <summary>C0 controls and DEL, except the whitespace a text file may hold (tab, line feed, vertical tab, form feed, carriage return).</summary>
    private static readonly SearchValues<char> ControlCharacters = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f");

    public static ParseResult Parse(string displayName, string text)
    {
        if (NotText(displayName, text) is { } binary)
            return new ParseResult(null, [binary]);

        var statements = new List<Statement>();
        var errors = new List<ScenarioDiagnostic>();
        foreach (var line in ScenarioLexer.Lex(text))
        {
            try
            {
                var statement = ParseLine(line);
                // Once the parse has failed no statement will run: keep none.
                if (errors.Count == 0)
                    statements.Add(statement);
            }
            catch (ParseErrorException e)
            {
                errors.Add(e.ToDiagnostic(displayName));
                statements.Clear();
                if (errors.Count == MaxErrors)
                    return new ParseResult(null, errors, Stopped: true);
            }
        }
        if (errors.Count == 0 && statements.Count == 0)
        {
            string found = string.IsNullOrWhiteSpace(text) ? "an empty file" : "only blank lines and comments";
            errors.Add(new ScenarioDiagnostic(displayName, 0, 0, "at least one command", null, null) { FoundDescription = found });
        }
        return errors.Count > 0 ? new ParseResult(null, errors) : new ParseResult(new Script(displayName, statements), errors);
    }

    /// <summary>A diagnostic at the first control character, or null for text.</summary>
    private static ScenarioDiagnostic? NotText(string displayName, string text)
    {
        int at = text.AsSpan().IndexOfAny(ControlCharacters);
        if (at < 0)
            return null;
        int lineStart = at == 0 ? 0 : text.LastIndexOf('\n', at - 1) + 1;
        int line = text.AsSpan(0, lineStart).Count('\n') + 1;
        int column = TextColumns.Count(text.AsSpan(lineStart, at - lineStart)) + 1;
        return new ScenarioDiagnostic(displayName, line, column, "text", null, null)
        {
            FoundDescription = $"control character U+{(int)text[at]:X4} (is this a binary file?)",
        };
    }

    private static Statement ParseLine(LexedLine line)
    {
        if (line.Words.Count == 0)
            throw new ParseErrorException(line.Line, line.ExpectationColumn, "a command", "=>", null);
        var command = Command(new LineCursor(line), Commands);
        if (line.Expectation is { Length: 0 })
            throw new ParseErrorException(line.Line, line.ExpectationColumn + 2, "a result after '=>'", null, null);
        if (line.Expectation is { } expectation && ExpectationText.Malformed(expectation) is { } problem)
            throw new ParseErrorException(line.Line, line.ExpectationColumn + 2, problem, null, null);
        var echo = new System.Text.StringBuilder();
        foreach (var word in line.Words)
        {
            if (echo.Length > 0)
                echo.Append(' ');
            echo.Append(word.Text);
        }
        return new Statement(line.Line, echo.ToString(), line.Expectation, command);
    }

    private static ScenarioCommand Command(LineCursor c, KeywordTable<Func<LineCursor, ScenarioCommand>> table) =>
        c.Keyword(table)(c);

    /// <summary>
    /// <c>in NAME [in NAME ...] COMMAND</c>: each further <c>in</c> names a process of the one before
    /// it. Read in a loop, not by recursion, so that no chain is too long to parse.
    /// </summary>
    private static ScenarioCommand In(LineCursor c)
    {
        var processes = new List<string> { c.Name("a process name") };
        while (c.Peek() is { Text: "in" })
        {
            c.Next("in");
            processes.Add(c.Name("a process name"));
        }
        var command = Command(c, InnerCommands);
        for (int i = processes.Count - 1; i >= 0; i--)
            command = new InCommand(processes[i], command);
        return command;
    }

    private static KeywordTable<Func<LineCursor, ScenarioCommand>> BuildCommands(bool inner)
    {
        var entries = new List<(string, Func<LineCursor, ScenarioCommand>)>
        {
            ("hugepages", SetupGrammar.Hugepages),
            ("thp", SetupGrammar.Thp),
            ("memfd", SetupGrammar.Memfd),
            ("mmap", SetupGrammar.Mmap),
            ("munmap", SetupGrammar.Munmap),
            ("mprotect", SetupGrammar.Mprotect),
            ("madvise", SetupGrammar.Madvise),
            ("mremap", SetupGrammar.Mremap),
            ("fork", SetupGrammar.Fork),
            ("uffd", UffdGrammar.Uffd),
            ("api", UffdGrammar.Api),
            ("register", UffdGrammar.Register),
            ("unregister", UffdGrammar.Unregister),
            ("copy", UffdGrammar.Copy),
            ("zeropage", UffdGrammar.Zeropage),
            ("continue", UffdGrammar.Continue),
            ("poison", UffdGrammar.Poison),
            ("move", UffdGrammar.Move),
            ("wp", UffdGrammar.WriteProtect),
            ("wake", UffdGrammar.Wake),
            ("read", UffdGrammar.Read),
            ("close", UffdGrammar.Close),
            ("touch", AccessGrammar.Touch),
            ("fill", AccessGrammar.Fill),
            ("check", AccessGrammar.Check),
            ("pagemap", AccessGrammar.Pagemap),
            ("frames", AccessGrammar.Frames),
            ("process_vm_readv", AccessGrammar.ProcessVmReadv),
            ("process_vm_writev", AccessGrammar.ProcessVmWritev),
            ("procmem", AccessGrammar.ProcMem),
            ("vmsplice", AccessGrammar.Vmsplice),
            ("odirect", AccessGrammar.Direct),
            ("get_mempolicy", AccessGrammar.GetMempolicy),
            ("futex_wake_op", AccessGrammar.FutexWakeOp),
            ("iouring", AccessGrammar.IoUring),
            ("xdp", AccessGrammar.Xdp),
            ("gup", AccessGrammar.Gup),
            ("unpin", AccessGrammar.Unpin),
            ("refs", AccessGrammar.Refs),
            ("dump", AccessGrammar.Dump),
            ("trace", AccessGrammar.Trace),
        };
        if (!inner)
        {
            entries.Insert(0, ("arch", SetupGrammar.Arch));
            entries.Insert(1, ("needs", SetupGrammar.Needs));
            entries.Add(("default_hugepagesz", SetupGrammar.DefaultHugepagesz));
            entries.Add(("in", In));
        }
        return new KeywordTable<Func<LineCursor, ScenarioCommand>>("a command", [.. entries]);
    }
}
