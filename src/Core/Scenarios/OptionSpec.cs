namespace Pluggable.Core.Scenarios;

/// <summary>The options one command accepts: bare flags and <c>key=value</c> pairs.</summary>
internal sealed class OptionSpec
{
    private readonly string[] _flags;
    private readonly string[] _keys;
    private readonly string[] _candidates;

    public OptionSpec(string[] flags, string[] keys)
    {
        _flags = flags;
        _keys = keys;
        _candidates = new string[flags.Length + keys.Length];
        flags.CopyTo(_candidates, 0);
        for (int i = 0; i < keys.Length; i++)
            _candidates[flags.Length + i] = keys[i] + "=";
    }

    public static OptionSpec Flags(params string[] flags) => new(flags, []);

    public void Read(Token word, ParsedOptions into)
    {
        string text = word.Text;
        int eq = text.IndexOf('=');
        if (eq > 0)
        {
            string key = text[..eq];
            if (Array.IndexOf(_keys, key) < 0)
            {
                string? closest = Suggestions.Closest(key, _keys);
                throw ParseErrorException.At(word, Expected, closest is null ? null : closest + text[eq..]);
            }
            if (eq == text.Length - 1)
                throw ParseErrorException.At(word, $"a value after '{key}='");
            if (!into.Values.TryAdd(key, word.Slice(eq + 1)))
                throw ParseErrorException.At(word, $"'{key}=' once");
            return;
        }
        if (Array.IndexOf(_flags, text) < 0)
            throw ParseErrorException.At(word, Expected, Suggestions.Closest(text, _candidates));
        if (!into.Flags.Add(text))
            throw ParseErrorException.At(word, $"'{text}' once");
    }

    private string Expected => _candidates.Length == 0 ? "end of line" : "an option";
}

/// <summary>The options found on one line, each at most once (a second one is a parse error).</summary>
internal sealed class ParsedOptions
{
    public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Token> Values { get; } = new(StringComparer.Ordinal);

    public bool Has(string flag) => Flags.Contains(flag);

    public Token? Value(string key) => Values.TryGetValue(key, out var token) ? token : null;
}
