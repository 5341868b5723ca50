namespace Pluggable.Core.Scenarios;

/// <summary>"did you mean" for parse errors: the closest valid word at that position by edit distance.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The closest candidate, or null when none is close enough to be a likely typo: within a third
    /// of the word's length in edits, or an abbreviation of it (<c>rd</c> for <c>read</c>).
    /// </summary>
    public static string? Closest(string found, IReadOnlyList<string> candidates)
    {
        if (found.Length == 0)
            return null;
        int limit = Math.Max(1, found.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int d = Distance(found, candidate);
            if ((d <= limit || IsAbbreviation(found, candidate)) && d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

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

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps ("cpoy").</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    v = Math.Min(v, d[i - 2, j - 2] + 1);
                d[i, j] = v;
            }
        }
        return d[a.Length, b.Length];
    }
}
