namespace Pluggable.Core.Scenarios;

/// <summary>
/// A parse error, printed as <c>FILE:LINE:COL: error: expected X, found 'Y' (did you mean 'Z'?)</c>
/// (Output, "Errors in the script itself"). <see cref="Found"/> null means the line ended.
/// A word too long to be worth reading is shown by its start and its length, so that one message
/// stays one short line.
/// </summary>
public sealed record ScenarioDiagnostic(string File, int Line, int Column, string Expected, string? Found, string? Suggestion)
{
    /// <summary>Words longer than this are cut in messages.</summary>
    public const int MaxQuotedLength = 40;

    /// <summary>Says what was found in words, for what is not a word of the line (a control character, the end of the file).</summary>
    public string? FoundDescription { get; init; }

    public string Message
    {
        get
        {
            string found = FoundDescription ?? (Found is null ? "end of line" : Quote(Found));
            string hint = Suggestion is null ? "" : $" (did you mean {Quote(Suggestion)}?)";
            return $"expected {Expected}, found {found}{hint}";
        }
    }

    /// <summary><c>'word'</c>, or <c>'start...' (N characters)</c> for a long one.</summary>
    public static string Quote(string text)
    {
        if (text.Length <= MaxQuotedLength)
            return $"'{text}'";
        int cut = char.IsHighSurrogate(text[MaxQuotedLength - 1]) ? MaxQuotedLength - 1 : MaxQuotedLength;
        return $"'{text[..cut]}...' ({TextColumns.Count(text)} characters)";
    }

    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: error: {Message}" : $"{File}: error: {Message}";
}
