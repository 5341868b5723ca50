namespace Pluggable.Core.Scenarios;

/// <summary>A parsed scenario: every command line, in order. Nothing in it depends on the architecture.</summary>
public sealed record Script(string DisplayName, IReadOnlyList<Statement> Statements);

/// <summary>
/// One command line. <see cref="Echo"/> is the command as written with comment and expectation removed
/// and whitespace collapsed; <see cref="Expectation"/> is the trimmed text after <c>=&gt;</c>.
/// </summary>
public sealed record Statement(int Line, string Echo, string? Expectation, ScenarioCommand Command)
{
    /// <summary>
    /// Added by a tool (the trace and dumps of <see cref="ScenarioInstrumentation"/>), not written in
    /// the file: messages name it rather than a line, and a label it names that does not exist at
    /// run time makes it print nothing instead of failing the run.
    /// </summary>
    public bool Added { get; init; }
}

/// <summary>
/// The result of <see cref="ScenarioParser.Parse"/>: a script, or the parse errors (one per bad line,
/// at most <see cref="ScenarioParser.MaxErrors"/>: when <see cref="Stopped"/>, the lines after the
/// last error were not read).
/// </summary>
public sealed record ParseResult(Script? Script, IReadOnlyList<ScenarioDiagnostic> Errors, bool Stopped = false)
{
    /// <summary>Writes the errors, one a line, and a last line when the parse stopped early.</summary>
    public void WriteErrors(TextWriter writer)
    {
        foreach (var error in Errors)
            writer.WriteLine(error.ToString());
        if (Stopped)
            writer.WriteLine($"{Errors[^1].File}: stopped after {Errors.Count} errors; the rest of the file was not read");
    }
}
