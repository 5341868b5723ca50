namespace Pluggable.Core.Scenarios;

/// <summary>The words valid at one position, with what each means; <see cref="Expected"/> names them in errors.</summary>
internal sealed class KeywordTable<T>
{
    private readonly Dictionary<string, T> _values = new(StringComparer.Ordinal);

    public KeywordTable(string expected, params (string Word, T Value)[] entries)
    {
        Expected = expected;
        var words = new string[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            words[i] = entries[i].Word;
            _values.Add(entries[i].Word, entries[i].Value);
        }
        Words = words;
    }

    public string Expected { get; }

    public IReadOnlyList<string> Words { get; }

    public bool TryGet(string word, out T value) => _values.TryGetValue(word, out value!);

    /// <summary>The meaning of <paramref name="token"/>, or a parse error suggesting the closest word.</summary>
    public T Parse(Token token)
    {
        if (TryGet(token.Text, out var value))
            return value;
        throw ParseErrorException.At(token, Expected, Suggestions.Closest(token.Text, Words));
    }
}
