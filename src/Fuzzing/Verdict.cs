using System.Text.RegularExpressions;

namespace Pluggable.Fuzzing;

/// <summary>
/// What a run found: its kind, one line for people, and a signature that stays the same for the
/// same bug (numbers and addresses taken out), so that findings group into families and a
/// shrinker does not wander off to another bug.
/// </summary>
/// <param name="Line">The script line the failure happened on, when it is known (not for teardown or parsing).</param>
public sealed partial record Verdict(FindingKind Kind, string Summary, string Signature, int? Line = null)
{
    /// <summary>The summary is cut to a few hundred characters: it quotes messages, and a mutated file's may be long.</summary>
    public static Verdict Of(FindingKind kind, string summary, string what, int? line = null) =>
        new(kind, summary.Length <= 300 ? summary : summary[..300] + "...", $"{kind.Slug()}: {Normalize(what)}", line);

    /// <summary>Numbers, hex and sizes become <c>#</c>; what is left is the shape of the message.</summary>
    public static string Normalize(string text)
    {
        string shape = Numbers().Replace(text, "#");
        return shape.Length <= 160 ? shape : shape[..160];
    }

    [GeneratedRegex(@"0x[0-9a-fA-F]+|\d+")]
    private static partial Regex Numbers();
}
