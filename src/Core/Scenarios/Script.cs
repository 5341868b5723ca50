namespace Pluggable.Core.Scenarios;

/// <summary>A parsed scenario: every command line, in order. Nothing in it depends on the architecture.</summary>
public sealed record Script(string DisplayName, IReadOnlyList<Statement> Statements);

/// <summary>
/// One command line. <see cref="Echo"/> is the command as written with comment and expectation removed
/// and whitespace collapsed; <see cref="Expectation"/> is the trimmed text after <c>=&gt;</c>.
/// </summary>
public sealed record Statement(int Line, string Echo, string? Expectation, ScenarioCommand Command);

/// <summary>The result of <see cref="ScenarioParser.Parse"/>: a script, or the parse errors (one per bad line).</summary>
public sealed record ParseResult(Script? Script, IReadOnlyList<ScenarioDiagnostic> Errors);
