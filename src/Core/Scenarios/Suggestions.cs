namespace Pluggable.Core.Scenarios;

/// <summary>
/// "did you mean" for parse errors and the command line: the closest valid word at that position by
/// edit distance. The cost is bounded by the candidates' lengths, never by the word's: a word much
/// longer than every candidate cannot be a typo of one and is not compared at all.
/// </summary>
public static class Suggestions
{
    /// <summary>
    /// The closest candidate, or null when none is close enough to be a likely typo: within a third
    /// of the word's length in edits (at least one, never all of it), or an abbreviation of it
    /// (<c>rd</c> for <c>read</c>).
    /// </summary>
    public static string? Closest(string found, IEnumerable<string> candidates)
    {
        if (found.Length == 0)
            return null;
        int limit = Math.Max(1, found.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            bool abbreviation = IsAbbreviation(found, candidate);
            // The distance is at least the difference in length.
            if (!abbreviation && Math.Abs(found.Length - candidate.Length) > limit)
                continue;
            int d = Distance(found, candidate);
            // Replacing every character of the word is no typo ('6' for '4').
            bool typo = d <= limit && d < found.Length;
            if ((typo || abbreviation) && d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /// <summary>Whether <paramref name="a"/> is at most <paramref name="limit"/> edits from <paramref name="b"/>, at a cost bounded by the shorter word.</summary>
    public static bool IsWithin(string a, string b, int limit) =>
        Math.Abs(a.Length - b.Length) <= limit && Distance(a, b) <= limit;

    /// <summary>Same first letter, at least two letters, and every letter found in order in <paramref name="candidate"/>.</summary>
    private static bool IsAbbreviation(string found, string candidate)
    {
        if (found.Length < 2 || found.Length >= candidate.Length || found[0] != candidate[0])
            return false;
        int j = 0;
        foreach (char c in candidate)
        {
            if (j < found.Length && found[j] == c)
                j++;
        }
        return j == found.Length;
    }

    /// <summary>
    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps
    /// ("cpoy"). Callers keep the lengths close (see <see cref="Closest"/>), so the three rows it
    /// keeps stay small.
    /// </summary>
    internal static int Distance(string a, string b)
    {
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    v = Math.Min(v, previous2[j - 2] + 1);
                current[j] = v;
            }
            (previous2, previous, current) = (previous, current, previous2);
        }
        return previous[b.Length];
    }
}
