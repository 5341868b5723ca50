using CsCheck;

namespace Pluggable.Fuzzing.Tests;

public class ShrinkerTests
{
    private static readonly ShrinkBudget Ample = new(10_000, TimeSpan.FromMinutes(1));

    [Fact]
    public void Lines_that_do_not_matter_go()
    {
        string text = "mmap a anon 4p\nfill a 4p 0x11\nmprotect a 1p none\ntouch a read\npagemap a 4p\n";
        var result = ScenarioShrinker.Shrink(text, t => t.Contains("mprotect a 1p none") && t.Contains("touch a read"), Ample);
        Assert.Equal("mprotect a 1p none\ntouch a read\n", result.Text);
        Assert.True(result.Complete);
    }

    [Fact]
    public void Words_options_offsets_and_in_prefixes_go_when_they_do_not_matter()
    {
        var result = ScenarioShrinker.Shrink("in c1 mmap a anon 16p shared prot=r populate => ok # note\n",
            t => t.StartsWith("mmap", StringComparison.Ordinal) && t.Contains("populate"), Ample);
        Assert.Equal("mmap populate\n", result.Text);
    }

    [Fact]
    public void Sizes_become_one_page_and_lists_lose_elements()
    {
        var result = ScenarioShrinker.Shrink("uffd u features=move,poison,sigbus nonblock\ncopy u a+3p src 12p\n",
            t => t.Contains("poison") && t.Contains("copy u a src"), Ample);
        Assert.Equal("uffd features=poison\ncopy u a src\n", result.Text);
    }

    [Fact]
    public void Pinned_leading_lines_stay_as_they_are()
    {
        var result = ScenarioShrinker.Shrink("thp always\nhugepages 2m 4\nmmap a anon 4p\nhugepages 2m 4\nmprotect a 8p none\n",
            t => t.Contains("mprotect"), Ample, pinned: 2);
        Assert.Equal("thp always\nhugepages 2m 4\nmprotect\n", result.Text);
    }

    [Fact]
    public void The_budget_is_kept()
    {
        int runs = 0;
        string text = string.Join('\n', Enumerable.Range(0, 200).Select(i => $"touch a+{i}p read"));
        var result = ScenarioShrinker.Shrink(text, t =>
        {
            runs++;
            return t.Contains("touch a+7p read");
        }, new ShrinkBudget(10, TimeSpan.FromMinutes(1)));
        Assert.True(runs <= 11, $"{runs} runs");
        Assert.False(result.Complete);
        Assert.Contains("touch a+7p read", result.Text);
    }

    /// <summary>Whatever lines a failure needs, the shrinker ends with exactly those, in order.</summary>
    [Fact]
    public void Exactly_the_needed_lines_are_left() =>
        Gen.Int[2, 40].SelectMany(n => Gen.Int[0, n - 1].HashSet[1, Math.Min(4, n)].Select(needed => (n, needed))).Sample((n, needed) =>
        {
            var lines = Enumerable.Range(0, n).Select(i => $"check a+{i}p 1p 0x{i:x2}").ToList();
            var wanted = needed.Order().Select(i => lines[i]).ToList();
            var result = ScenarioShrinker.Shrink(string.Join('\n', lines) + "\n", t =>
            {
                var kept = t.Split('\n');
                return wanted.All(kept.Contains);
            }, Ample);
            Assert.Equal(string.Join('\n', wanted) + "\n", result.Text);
        }, iter: 100);
}
