namespace Pluggable.Core.Scenarios;

/// <summary>
/// One non-blank scenario line after lexing: its words (comment and expectation removed) and the
/// text after <c>=&gt;</c> if any. <see cref="EndColumn"/> is where "end of line" errors point.
/// </summary>
public sealed record LexedLine(int Line, IReadOnlyList<Token> Words, string? Expectation, int ExpectationColumn, int EndColumn);
