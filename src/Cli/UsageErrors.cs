using System.CommandLine;
using System.CommandLine.Parsing;
using Pluggable.Core.Scenarios;

namespace Pluggable.Cli;

/// <summary>
/// Command-line mistakes said the way the scenario parser says them: what was found, what was
/// expected, and the closest valid word (a mistyped command or option gets a "did you mean").
/// </summary>
internal static class UsageErrors
{
    /// <summary>The messages for a parse that failed; a word nothing matched is reported alone, since what follows it means nothing.</summary>
    public static IEnumerable<string> Describe(System.CommandLine.ParseResult result)
    {
        if (result.UnmatchedTokens.Count > 0)
            return [Unmatched(result.CommandResult.Command, result.UnmatchedTokens[0])];
        return result.Errors.Select(e => e.Message);
    }

    /// <summary>
    /// Makes <paramref name="files"/> refuse a word that looks like an option and is no file, which
    /// would otherwise be taken for a file name (<c>run --bogus x</c>); a file whose name starts
    /// with '-' still runs when it exists.
    /// </summary>
    public static void RefuseOptionsAsFiles(Command command, Argument files)
    {
        files.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                string word = token.Value;
                if (word.Length > 1 && word[0] == '-' && !File.Exists(word) && !Directory.Exists(word))
                {
                    result.AddError(UnknownOption(command, word));
                    return;
                }
            }
        });
    }

    private static string Unmatched(Command command, string word)
    {
        if (word.Length > 1 && word[0] == '-')
            return UnknownOption(command, word);
        if (command is RootCommand && command.Subcommands.Count > 0)
        {
            var names = command.Subcommands.Select(c => c.Name).ToList();
            return $"unknown command {ScenarioDiagnostic.Quote(word)}{Hint(word, names)}; the commands are {string.Join(", ", names)}";
        }
        return $"unexpected argument {ScenarioDiagnostic.Quote(word)} for '{Path(command)}'";
    }

    private static string UnknownOption(Command command, string word)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c; symbol = c.Parents.FirstOrDefault())
        {
            foreach (var option in c.Options)
            {
                if (c != command && !option.Recursive)
                    continue;
                names.Add(option.Name);
                names.AddRange(option.Aliases);
            }
        }
        return $"unknown option {ScenarioDiagnostic.Quote(word)} for '{Path(command)}'{Hint(word, names)}";
    }

    private static string Hint(string word, IEnumerable<string> candidates) =>
        Suggestions.Closest(word, candidates) is { } closest ? $" (did you mean '{closest}'?)" : "";

    private static string Path(Command command) => command is RootCommand ? "pluggable" : $"pluggable {command.Name}";
}
