namespace Pluggable.Core.Scenarios;

/// <summary>
/// A parse error, printed as <c>FILE:LINE:COL: error: expected X, found 'Y' (did you mean 'Z'?)</c>
/// (Output, "Errors in the script itself"). <see cref="Found"/> null means the line ended.
/// </summary>
public sealed record ScenarioDiagnostic(string File, int Line, int Column, string Expected, string? Found, string? Suggestion)
{
    public string Message
    {
        get
        {
            string found = Found is null ? "end of line" : $"'{Found}'";
            string hint = Suggestion is null ? "" : $" (did you mean '{Suggestion}'?)";
            return $"expected {Expected}, found {found}{hint}";
        }
    }

    public override string ToString() => $"{File}:{Line}:{Column}: error: {Message}";
}
