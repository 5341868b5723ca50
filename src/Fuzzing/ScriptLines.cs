namespace Pluggable.Fuzzing;

/// <summary>
/// The command lines of a scenario text found without the parser (comments and blank lines
/// skipped, expectations cut off): the judge must be able to point at a line even when parsing
/// that very text is what hung.
/// </summary>
internal static class ScriptLines
{
    /// <summary>The <paramref name="index"/>-th command line (from 0), with its line number.</summary>
    public static (int Line, string Command)? At(string text, int index)
    {
        int line = 0;
        int seen = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            string command = Command(raw);
            if (command.Length == 0)
                continue;
            if (seen++ == index)
                return (line, command);
        }
        return null;
    }

    /// <summary>The command on line <paramref name="number"/> (from 1), or null when the line holds none.</summary>
    public static string? OnLine(string text, int number)
    {
        var lines = text.Split('\n');
        if (number < 1 || number > lines.Length)
            return null;
        string command = Command(lines[number - 1]);
        return command.Length == 0 ? null : command;
    }

    private static string Command(string raw)
    {
        int comment = raw.IndexOf('#');
        string code = comment < 0 ? raw : raw[..comment];
        int expectation = code.IndexOf("=>", StringComparison.Ordinal);
        if (expectation >= 0)
            code = code[..expectation];
        return string.Join(' ', code.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
