using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Pluggable.Fuzzing;

/// <summary>How much a shrink may cost: runs of the failing check, and wall time; <see cref="Stop"/> ends it early with what it has.</summary>
public sealed record ShrinkBudget(int MaxRuns, TimeSpan MaxTime)
{
    public CancellationToken Stop { get; init; }

    public static ShrinkBudget Default { get; } = new(400, TimeSpan.FromMinutes(2));
}

/// <param name="Complete">False when the budget ran out before no smaller failing text could be found.</param>
public sealed record ShrinkResult(string Text, int Runs, bool Complete);

/// <summary>
/// Makes a failing scenario small while it keeps failing the same way: whole runs of lines removed
/// (delta debugging, halving the chunk each round), then each line simplified (its expectation,
/// <c>in NAME</c>, options, offsets, sizes, list elements), until nothing more can go or the
/// budget is spent. <c>stillFails</c> must re-run everything that decides the failure (for a
/// divergence, both the emulator and the kernel).
/// </summary>
public static partial class ScenarioShrinker
{
    /// <param name="pinned">How many leading command lines are never removed or changed, such as the machine settings a comparison depends on.</param>
    public static ShrinkResult Shrink(string text, Func<string, bool> stillFails, ShrinkBudget budget, int pinned = 0)
    {
        var trial = new Trial(stillFails, budget);
        var lines = text.Split('\n').Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).ToList();
        if (!trial.Fails(lines))
            lines = [.. text.Split('\n')];

        pinned = Math.Min(pinned, lines.Count);
        bool changed = true;
        while (changed && !trial.Spent)
        {
            changed = RemoveChunks(lines, pinned, trial);
            changed |= SimplifyLines(lines, pinned, trial);
        }
        return new ShrinkResult(Join(lines), trial.Runs, !trial.Spent);
    }

    private static bool RemoveChunks(List<string> lines, int pinned, Trial trial)
    {
        bool changed = false;
        for (int chunk = Math.Max(1, (lines.Count - pinned) / 2); chunk >= 1 && !trial.Spent; chunk /= 2)
        {
            for (int i = pinned; i < lines.Count && !trial.Spent;)
            {
                var candidate = new List<string>(lines);
                candidate.RemoveRange(i, Math.Min(chunk, lines.Count - i));
                if (candidate.Count > 0 && trial.Fails(candidate))
                {
                    lines.Clear();
                    lines.AddRange(candidate);
                    changed = true;
                }
                else
                {
                    i += chunk;
                }
            }
        }
        return changed;
    }

    private static bool SimplifyLines(List<string> lines, int pinned, Trial trial)
    {
        bool changed = false;
        for (int i = pinned; i < lines.Count && !trial.Spent; i++)
        {
            bool again = true;
            while (again && !trial.Spent)
            {
                again = false;
                foreach (var simpler in Simpler(lines[i]))
                {
                    var candidate = new List<string>(lines) { [i] = simpler };
                    if (trial.Fails(candidate))
                    {
                        lines[i] = simpler;
                        changed = again = true;
                        break;
                    }
                    if (trial.Spent)
                        break;
                }
            }
        }
        return changed;
    }

    /// <summary>Simpler versions of one line, the biggest simplifications first.</summary>
    private static IEnumerable<string> Simpler(string line)
    {
        int comment = line.IndexOf('#');
        int expectation = line.IndexOf("=>", StringComparison.Ordinal);
        int cut = comment < 0 ? expectation : expectation < 0 ? comment : Math.Min(comment, expectation);
        if (cut > 0 && line[..cut].Trim().Length > 0)
            yield return line[..cut].TrimEnd();

        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > 8)
        {
            yield return string.Join(' ', words[..(words.Length / 2)]);
            yield return string.Join(' ', words[(words.Length / 2)..]);
        }
        foreach (var word in words.Where(w => w.Length > 64).Distinct())
            yield return line.Replace(word, word[..(word.Length / 2)]);
        if (words.Length > 2 && words[0] == "in")
            yield return string.Join(' ', words[2..]);
        for (int i = words.Length - 1; i >= 1; i--)
        {
            foreach (var replacement in SimplerWord(words[i]))
            {
                var copy = (string[])words.Clone();
                copy[i] = replacement;
                yield return string.Join(' ', copy.Where(w => w.Length > 0));
            }
        }
    }

    /// <summary>The word left out, an address without its offset, a size of one page, a list with one element fewer.</summary>
    private static IEnumerable<string> SimplerWord(string word)
    {
        yield return "";
        int plus = word.IndexOf('+');
        if (plus > 0)
            yield return word[..plus];
        if (Size().IsMatch(word) && word != "1p")
            yield return "1p";
        int eq = word.IndexOf('=');
        if (eq > 0 && word.IndexOf(',', eq) > 0)
        {
            var items = word[(eq + 1)..].Split(',');
            for (int i = 0; i < items.Length; i++)
                yield return word[..(eq + 1)] + string.Join(',', items.Where((_, j) => j != i));
        }
    }

    private static string Join(List<string> lines) => string.Join('\n', lines) + "\n";

    [GeneratedRegex(@"^(0x[0-9a-fA-F]+|\d+)(hp|p|k|m|g)?$")]
    private static partial Regex Size();

    /// <summary>The failing check with a memory of what it answered, and the budget.</summary>
    private sealed class Trial(Func<string, bool> stillFails, ShrinkBudget budget)
    {
        private readonly Dictionary<string, bool> _seen = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public int Runs { get; private set; }

        public bool Spent => Runs >= budget.MaxRuns || _clock.Elapsed >= budget.MaxTime || budget.Stop.IsCancellationRequested;

        public bool Fails(List<string> lines)
        {
            string text = Join(lines);
            if (_seen.TryGetValue(text, out bool known))
                return known;
            if (Spent)
                return false;
            Runs++;
            bool fails = stillFails(text);
            _seen[text] = fails;
            return fails;
        }
    }
}
