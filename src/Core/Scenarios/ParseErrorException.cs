namespace Pluggable.Core.Scenarios;

/// <summary>Ends the parse of one line at its first error; the parser records it and goes on with the next line.</summary>
internal sealed class ParseErrorException(int line, int column, string expected, string? found, string? suggestion)
    : Exception($"expected {expected}")
{
    public ScenarioDiagnostic ToDiagnostic(string file) => new(file, line, column, expected, found, suggestion);

    public static ParseErrorException At(Token token, string expected, string? suggestion = null) =>
        new(token.Line, token.Column, expected, token.Text, suggestion);
}
