namespace Pluggable.Core.Scenarios;

/// <summary>
/// A whitespace-separated word of a scenario line (or a piece of one, such as an element of
/// <c>features=a,b</c>). <see cref="Column"/> counts characters from 1 (Lexical rules).
/// </summary>
public readonly record struct Token(string Text, int Line, int Column)
{
    /// <summary>The piece of this token from <paramref name="start"/> on, with its own column.</summary>
    public Token Slice(int start, int length) =>
        new(Text.Substring(start, length), Line, Column + TextColumns.Count(Text.AsSpan(0, start)));

    public Token Slice(int start) => Slice(start, Text.Length - start);

    /// <summary>
    /// The pieces between <paramref name="separator"/>s (empty ones included), each with its own
    /// column, in one pass over the text however many pieces there are.
    /// </summary>
    public List<Token> Split(char separator)
    {
        var pieces = new List<Token>();
        int start = 0;
        int column = Column;
        while (true)
        {
            int end = Text.IndexOf(separator, start);
            if (end < 0)
                end = Text.Length;
            pieces.Add(new Token(Text[start..end], Line, column));
            if (end == Text.Length)
                return pieces;
            column += TextColumns.Count(Text.AsSpan(start, end - start)) + 1;
            start = end + 1;
        }
    }
}

/// <summary>Columns count characters (Unicode scalar values), not UTF-16 code units.</summary>
internal static class TextColumns
{
    public static int Count(ReadOnlySpan<char> text)
    {
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsLowSurrogate(text[i]))
                n++;
        }
        return n;
    }
}
