namespace Pluggable.Core.Scenarios;

/// <summary>
/// Splits a scenario into lines of words (Lexical rules): <c>#</c> starts a comment, <c>=&gt;</c>
/// starts the expectation, words are separated by whitespace. Blank and comment-only lines are dropped.
/// The typed tokens (NUMBER, SIZE, ADDR, BYTE, names) are recognised by <see cref="ValueScanner"/>,
/// because which one a word is depends on its position in the command.
/// Lexing is one pass over the text: a line of any length costs time in proportion to its length.
/// </summary>
public static class ScenarioLexer
{
    /// <summary>The lines that hold a command or an expectation, in order, lexed as they are enumerated.</summary>
    public static IEnumerable<LexedLine> Lex(string text)
    {
        int lineNo = 0;
        int pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        while (pos <= text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl;
            lineNo++;
            int contentEnd = end > pos && text[end - 1] == '\r' ? end - 1 : end;
            var lexed = LexLine(lineNo, text.AsSpan(pos, contentEnd - pos));
            if (lexed is not null)
                yield return lexed;
            if (nl < 0)
                yield break;
            pos = nl + 1;
        }
    }

    /// <summary>Lexes one line (without its newline); null when it holds no command and no expectation.</summary>
    public static LexedLine? LexLine(int lineNo, ReadOnlySpan<char> line)
    {
        int hash = line.IndexOf('#');
        if (hash >= 0)
            line = line[..hash];

        string? expectation = null;
        int arrow = line.IndexOf("=>", StringComparison.Ordinal);
        if (arrow >= 0)
        {
            expectation = line[(arrow + 2)..].Trim().ToString();
            line = line[..arrow];
        }

        var words = new List<Token>();
        int column = 1;
        int endColumn = 1;
        int i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                column++;
                i++;
                continue;
            }
            int start = i;
            int startColumn = column;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
            {
                if (!char.IsLowSurrogate(line[i]))
                    column++;
                i++;
            }
            words.Add(new Token(line[start..i].ToString(), lineNo, startColumn));
            endColumn = column;
        }

        // Every character before the arrow has been counted: the arrow is at the next column.
        int expectationColumn = arrow >= 0 ? column : 0;

        if (words.Count == 0 && expectation is null)
            return null;
        if (words.Count == 0)
            endColumn = expectationColumn;
        return new LexedLine(lineNo, words, expectation, expectationColumn, endColumn);
    }
}
