using CsCheck;

namespace Pluggable.Fuzzing.Tests;

public class MutatorTests
{
    private static readonly IReadOnlyList<string> Donors = [.. Corpus.Files.Select(f => f.Text)];

    [Fact]
    public void The_same_seed_damages_a_file_the_same_way() =>
        Gen.ULong.Sample(seed =>
        {
            string text = Corpus.Files[(int)(seed % (ulong)Corpus.Files.Count)].Text;
            Assert.Equal(ScenarioMutator.Mutate(text, new FuzzRandom(seed), Donors), ScenarioMutator.Mutate(text, new FuzzRandom(seed), Donors));
        }, iter: 100);

    /// <summary>A long line made of a word an earlier mutation made long would be a billion characters (the search died of it).</summary>
    [Fact]
    public void A_long_word_repeated_into_a_long_line_stays_bounded()
    {
        string text = "mmap a anon 1p " + new string('q', 64 << 10) + "\ntouch a read\n";
        for (ulong seed = 0; seed < 3000; seed++)
        {
            string mutated = ScenarioMutator.Mutate(text, new FuzzRandom(seed), Donors);
            Assert.True(mutated.Length < text.Length * 4 + (4 << 20), $"seed {seed}: {mutated.Length} characters");
        }
    }

    [Fact]
    public void Almost_every_mutation_changes_the_file_and_none_grows_without_bound()
    {
        int changed = 0;
        for (ulong seed = 0; seed < 300; seed++)
        {
            string text = Corpus.Files[(int)(seed % (ulong)Corpus.Files.Count)].Text;
            string mutated = ScenarioMutator.Mutate(text, new FuzzRandom(seed), Donors);
            if (mutated != text)
                changed++;
            Assert.True(mutated.Length < text.Length + (4 << 20), $"seed {seed}: {mutated.Length} characters from {text.Length}");
        }
        Assert.True(changed >= 270, $"only {changed} of 300 mutations changed their file");
    }

    [Fact]
    public void Numbers_are_pushed_to_extremes_somewhere()
    {
        var extremes = new[] { "0xffffffffffffffff", "18446744073709551616", "102400g", "4096g" };
        string text = "mmap a anon 16p\nfill a 16p 0x5a\npagemap a 16p\n";
        bool seen = Enumerable.Range(0, 400).Any(seed => extremes.Any(ScenarioMutator.Mutate(text, new FuzzRandom((ulong)seed), []).Contains));
        Assert.True(seen);
    }
}
