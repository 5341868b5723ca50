namespace Pluggable.Core.Scenarios;

/// <summary>Reads the words of one line left to right; every failure is a <see cref="ParseErrorException"/>.</summary>
internal sealed class LineCursor(LexedLine line, int start = 0)
{
    private int _next = start;

    public LexedLine Line => line;

    public bool AtEnd => _next >= line.Words.Count;

    public Token? Peek() => AtEnd ? null : line.Words[_next];

    /// <summary>The next word; at the end of the line an error "expected <paramref name="expected"/>, found end of line".</summary>
    public Token Next(string expected)
    {
        if (AtEnd)
            throw new ParseErrorException(line.Line, line.EndColumn, expected, null, null);
        return line.Words[_next++];
    }

    public string Name(string expected, bool allowAt = false) => ValueScanner.Name(Next(expected), expected, allowAt);

    public string UffdName() => Name("a userfaultfd name", allowAt: true);

    public string Label() => Name("a label");

    public SizeExpr Size() => ValueScanner.Size(Next("a size"));

    public AddressExpr Address() => ValueScanner.Address(Next("an address"));

    public ulong Number() => ValueScanner.Number(Next("a number"));

    public BytePattern Byte() => ValueScanner.Byte(Next("a byte (0xNN or pageidx)"));

    public T Keyword<T>(KeywordTable<T> table) => table.Parse(Next(table.Expected));

    /// <summary>Reads the rest of the line as options of <paramref name="spec"/>, in any order.</summary>
    /// <param name="other">Takes a word that is not an option of <paramref name="spec"/> (true), or leaves it to be refused.</param>
    public ParsedOptions Options(OptionSpec spec, Func<Token, bool>? other = null)
    {
        var options = new ParsedOptions();
        while (!AtEnd)
        {
            var word = line.Words[_next++];
            if (other is null || !other(word))
                spec.Read(word, options);
        }
        return options;
    }

    /// <summary>For commands without options: nothing may follow the positional arguments.</summary>
    public void End()
    {
        if (!AtEnd)
            throw ParseErrorException.At(line.Words[_next], "end of line");
    }
}
