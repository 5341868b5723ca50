namespace Pluggable.Core.Scenarios;

/// <summary>
/// Parses a whole scenario before anything runs (Lexical rules). Each bad line yields one
/// diagnostic (its first error); the script is null when there is any.
/// </summary>
public static class ScenarioParser
{
    private static readonly KeywordTable<Func<LineCursor, ScenarioCommand>> Commands = BuildCommands(inner: false);

    /// <summary>What may follow <c>in NAME</c>: every command but <c>arch</c> and another <c>in</c>.</summary>
    private static readonly KeywordTable<Func<LineCursor, ScenarioCommand>> InnerCommands = BuildCommands(inner: true);

    public static ParseResult Parse(string displayName, string text)
    {
        var statements = new List<Statement>();
        var errors = new List<ScenarioDiagnostic>();
        foreach (var line in ScenarioLexer.Lex(text))
        {
            try
            {
                statements.Add(ParseLine(line));
            }
            catch (ParseErrorException e)
            {
                errors.Add(e.ToDiagnostic(displayName));
            }
        }
        return errors.Count > 0 ? new ParseResult(null, errors) : new ParseResult(new Script(displayName, statements), errors);
    }

    private static Statement ParseLine(LexedLine line)
    {
        if (line.Words.Count == 0)
            throw new ParseErrorException(line.Line, line.ExpectationColumn, "a command", "=>", null);
        var command = Command(new LineCursor(line), Commands);
        if (line.Expectation is { Length: 0 })
            throw new ParseErrorException(line.Line, line.ExpectationColumn + 2, "a result after '=>'", null, null);
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

    private static ScenarioCommand In(LineCursor c)
    {
        string process = c.Name("a process name");
        return new InCommand(process, Command(c, InnerCommands));
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
            ("gup", AccessGrammar.Gup),
            ("unpin", AccessGrammar.Unpin),
            ("dump", AccessGrammar.Dump),
            ("trace", AccessGrammar.Trace),
        };
        if (!inner)
        {
            entries.Insert(0, ("arch", SetupGrammar.Arch));
            entries.Add(("in", In));
        }
        return new KeywordTable<Func<LineCursor, ScenarioCommand>>("a command", [.. entries]);
    }
}
