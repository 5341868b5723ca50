namespace Pluggable.Core.Scenarios;

/// <summary>
/// Splits a scenario into lines of words (Lexical rules): <c>#</c> starts a comment, <c>=&gt;</c>
/// starts the expectation, words are separated by whitespace. Blank and comment-only lines are dropped.
/// The typed tokens (NUMBER, SIZE, ADDR, BYTE, names) are recognised by <see cref="ValueScanner"/>,
/// because which one a word is depends on its position in the command.
/// </summary>
public static class ScenarioLexer
{
    public static List<LexedLine> Lex(string text)
    {
        var lines = new List<LexedLine>();
        int lineNo = 0;
        int pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        while (pos <= text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl;
            lineNo++;
            var content = text.AsSpan(pos, end - pos);
            if (content.Length > 0 && content[^1] == '\r')
                content = content[..^1];
            var lexed = LexLine(lineNo, content);
            if (lexed is not null)
                lines.Add(lexed);
            if (nl < 0)
                break;
            pos = nl + 1;
        }
        return lines;
    }

    /// <summary>Lexes one line (without its newline); null when it holds no command and no expectation.</summary>
    public static LexedLine? LexLine(int lineNo, ReadOnlySpan<char> line)
    {
        int hash = line.IndexOf('#');
        if (hash >= 0)
            line = line[..hash];

        string? expectation = null;
        int expectationColumn = 0;
        int arrow = line.IndexOf("=>", StringComparison.Ordinal);
        if (arrow >= 0)
        {
            expectation = line[(arrow + 2)..].Trim().ToString();
            expectationColumn = TextColumns.Count(line[..arrow]) + 1;
            line = line[..arrow];
        }

        var words = new List<Token>();
        int endColumn = 1;
        int i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                i++;
                continue;
            }
            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
                i++;
            int column = TextColumns.Count(line[..start]) + 1;
            var word = line[start..i].ToString();
            words.Add(new Token(word, lineNo, column));
            endColumn = column + TextColumns.Count(word);
        }

        if (words.Count == 0 && expectation is null)
            return null;
        if (words.Count == 0)
            endColumn = expectationColumn;
        return new LexedLine(lineNo, words, expectation, expectationColumn, endColumn);
    }
}
