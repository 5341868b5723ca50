using System.Text;
using System.Text.RegularExpressions;

namespace Pluggable.Fuzzing;

/// <summary>
/// Damages a scenario the ways files get damaged and users mistype: lines and tokens deleted,
/// duplicated, swapped or moved; numbers pushed to extremes; bytes flipped; junk, very long lines
/// and words inserted; the file cut short; lines taken from another file. The result is any text
/// at all: whatever it is, a run must answer it with an exit status and a message.
/// </summary>
public static partial class ScenarioMutator
{
    /// <summary>Numbers at the edges: zero, one, the top of 64 bits, just past it, sizes beyond any machine.</summary>
    private static readonly string[] Extremes =
    [
        "0", "1", "0xffffffffffffffff", "18446744073709551615", "18446744073709551616", "0x10000000000000000",
        "0x8000000000000000", "0x7fffffffffff", "0xfffffffffffff000", "4096g", "102400g", "1023g", "64g",
        "0xfffffffffffffp", "99999999999999999999p", "0hp", "0p", "1hp", "4503599627370496",
    ];

    /// <summary>A line may grow to this many words, a word to this many characters: enough to see a cost that is worse than linear.</summary>
    private const int LongLineWords = 20_000;
    private const int LongWordChars = 64 << 10;

    /// <summary>The longest word a long line repeats.</summary>
    private const int LongLineWordChars = 64;

    /// <param name="donors">Other scenario texts to take lines from (may be empty).</param>
    public static string Mutate(string text, FuzzRandom random, IReadOnlyList<string> donors)
    {
        var lines = new List<string>(text.Split('\n'));
        int mutations = 1 + random.Next(4);
        for (int i = 0; i < mutations; i++)
            Apply(lines, random, donors);
        return string.Join('\n', lines);
    }

    private static void Apply(List<string> lines, FuzzRandom random, IReadOnlyList<string> donors)
    {
        if (lines.Count == 0)
            lines.Add("");
        int at = random.Next(lines.Count);
        switch (random.Weighted(
            (6, Mutation.DeleteLine), (3, Mutation.DuplicateLine), (3, Mutation.SwapLines), (2, Mutation.MoveLine),
            (6, Mutation.DeleteToken), (3, Mutation.DuplicateToken), (3, Mutation.SwapTokens), (3, Mutation.ReplaceToken),
            (8, Mutation.PushNumber), (3, Mutation.FlipByte), (2, Mutation.InsertJunk), (1, Mutation.LongLine),
            (1, Mutation.LongWord), (3, Mutation.Truncate), (2, Mutation.SpliceLine)))
        {
            case Mutation.DeleteLine:
                lines.RemoveAt(at);
                break;
            case Mutation.DuplicateLine:
                lines.Insert(at, lines[at]);
                break;
            case Mutation.SwapLines:
                int other = random.Next(lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                break;
            case Mutation.MoveLine:
                string moved = lines[at];
                lines.RemoveAt(at);
                lines.Insert(random.Next(lines.Count + 1), moved);
                break;
            case Mutation.DeleteToken:
                lines[at] = EditTokens(lines[at], random, (words, i) => words.RemoveAt(i));
                break;
            case Mutation.DuplicateToken:
                lines[at] = EditTokens(lines[at], random, (words, i) => words.Insert(i, words[i]));
                break;
            case Mutation.SwapTokens:
                lines[at] = EditTokens(lines[at], random, (words, i) =>
                {
                    int j = random.Next(words.Count);
                    (words[i], words[j]) = (words[j], words[i]);
                });
                break;
            case Mutation.ReplaceToken:
                string donorLine = RandomLine(lines, donors, random);
                lines[at] = EditTokens(lines[at], random, (words, i) =>
                {
                    var donorWords = Words(donorLine);
                    if (donorWords.Count > 0)
                        words[i] = random.Pick(donorWords);
                });
                break;
            case Mutation.PushNumber:
                lines[at] = PushNumber(lines[at], random);
                break;
            case Mutation.FlipByte:
                lines[at] = FlipByte(lines[at], random);
                break;
            case Mutation.InsertJunk:
                lines.Insert(at, random.Pick(["\0", "\u00ff\u00fe", "\r", "\t\t=>", "=>", "#", "in", "in c in c", "\uFFFD\uFFFD", new string('a', 300), "features=" + string.Join(',', Enumerable.Repeat("move", 200))]));
                break;
            case Mutation.LongLine:
                var words = Words(lines[at]);
                string word = words.Count > 0 ? random.Pick(words) : "touch";
                // A word made long by an earlier mutation of this case, repeated, would be a line of
                // a billion characters: more than the search itself can hold.
                if (word.Length > LongLineWordChars)
                    word = word[..LongLineWordChars];
                lines[at] = string.Join(' ', Enumerable.Repeat(word, LongLineWords));
                break;
            case Mutation.LongWord:
                lines[at] = lines[at] + " " + new string((char)('a' + random.Next(26)), LongWordChars);
                break;
            case Mutation.Truncate:
                lines.RemoveRange(at, lines.Count - at);
                if (at > 0 && random.Chance(0.5))
                    lines[at - 1] = lines[at - 1][..random.Next(lines[at - 1].Length + 1)];
                break;
            case Mutation.SpliceLine:
                lines.Insert(at, RandomLine(lines, donors, random));
                break;
        }
    }

    private enum Mutation
    {
        DeleteLine,
        DuplicateLine,
        SwapLines,
        MoveLine,
        DeleteToken,
        DuplicateToken,
        SwapTokens,
        ReplaceToken,
        PushNumber,
        FlipByte,
        InsertJunk,
        LongLine,
        LongWord,
        Truncate,
        SpliceLine,
    }

    private static string EditTokens(string line, FuzzRandom random, Action<List<string>, int> edit)
    {
        var words = Words(line);
        if (words.Count == 0)
            return line;
        edit(words, random.Next(words.Count));
        return string.Join(' ', words);
    }

    /// <summary>One number in the line (a size, an offset, an option's value) replaced by an extreme.</summary>
    private static string PushNumber(string line, FuzzRandom random)
    {
        var numbers = Number().Matches(line);
        if (numbers.Count == 0)
            return line;
        var pick = numbers[random.Next(numbers.Count)];
        return string.Concat(line.AsSpan(0, pick.Index), random.Pick(Extremes), line.AsSpan(pick.Index + pick.Length));
    }

    /// <summary>One bit of one byte of the line's UTF-8 flipped: invalid encodings, control characters, near-miss keywords.</summary>
    private static string FlipByte(string line, FuzzRandom random)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        if (bytes.Length == 0)
            return line;
        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        return Encoding.UTF8.GetString(bytes);
    }

    private static string RandomLine(List<string> lines, IReadOnlyList<string> donors, FuzzRandom random)
    {
        if (donors.Count == 0 || random.Chance(0.3))
            return random.Pick(lines);
        var donor = donors[random.Next(donors.Count)].Split('\n');
        return donor[random.Next(donor.Length)];
    }

    private static List<string> Words(string line) => [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    [GeneratedRegex(@"(?<![A-Za-z_])(0x[0-9a-fA-F]+|\d+)(hp|p|k|m|g)?")]
    private static partial Regex Number();
}
