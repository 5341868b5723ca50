using System.Diagnostics;

namespace Pluggable.Scenarios.Tests;

/// <summary>
/// Whatever the input, the parser answers at a cost in proportion to it: long lines, long words,
/// many errors, binary and empty texts each get a short, clear answer.
/// </summary>
public class InputBoundsTests
{
    [Fact]
    public void A_line_of_300000_words_lexes_in_linear_time_with_exact_columns()
    {
        var text = "mmap a anon 1p" + string.Concat(Enumerable.Repeat(" shared", 300_000));
        var clock = Stopwatch.StartNew();
        var line = Assert.Single(ScenarioLexer.Lex(text));
        var result = ScenarioParser.Parse("f.scenario", text);
        clock.Stop();

        Assert.Equal(300_004, line.Words.Count);
        Assert.Equal(16 + 7 * 299_999, line.Words[^1].Column);
        Assert.Equal("f.scenario:1:23: error: expected 'shared' once, found 'shared'", Assert.Single(result.Errors).ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_line_of_300000_bad_words_is_one_error_found_at_once()
    {
        var text = "read u" + string.Concat(Enumerable.Repeat(" x", 300_000));
        var clock = Stopwatch.StartNew();
        var result = ScenarioParser.Parse("f.scenario", text);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal("f.scenario:1:8: error: expected end of line, found 'x'", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Long_comma_lists_and_address_sums_scan_in_linear_time()
    {
        var features = "uffd u features=" + string.Join(",", Enumerable.Repeat("move", 200_000)) + ",movee";
        var sum = "touch a" + string.Concat(Enumerable.Repeat("+1p", 200_000)) + "+1q read";
        var clock = Stopwatch.StartNew();
        var f = Assert.Single(ScenarioParser.Parse("f.scenario", features).Errors);
        var a = Assert.Single(ScenarioParser.Parse("f.scenario", sum).Errors);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(17 + 5 * 200_000, f.Column);
        Assert.Equal("'movee'", ScenarioDiagnostic.Quote(f.Found!));
        Assert.Equal(9 + 3 * 200_000, a.Column);
    }

    [Fact]
    public void Did_you_mean_never_compares_a_word_far_longer_than_every_keyword()
    {
        var word = new string('c', 16 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Assert.Null(Suggestions.Closest(word, ScenarioKeywords()));
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_huge_word_is_quoted_by_its_start_and_its_length()
    {
        var word = new string('z', 5_000_000);
        var error = Assert.Single(ScenarioParser.Parse("f.scenario", $"touch a {word}\n").Errors);
        Assert.Equal(
            $"f.scenario:1:9: error: expected read or write, found '{new string('z', ScenarioDiagnostic.MaxQuotedLength)}...' (5000000 characters)",
            error.ToString());
    }

    [Fact]
    public void The_parse_stops_at_the_twentieth_error()
    {
        var clock = Stopwatch.StartNew();
        var result = ScenarioParser.Parse("f.scenario", string.Concat(Enumerable.Repeat("cpy u a b 1p\n", 2_000_000)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Null(result.Script);
        Assert.True(result.Stopped);
        Assert.Equal(ScenarioParser.MaxErrors, result.Errors.Count);
        var written = new StringWriter { NewLine = "\n" };
        result.WriteErrors(written);
        var lines = written.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(ScenarioParser.MaxErrors + 1, lines.Length);
        Assert.Equal("f.scenario: stopped after 20 errors; the rest of the file was not read", lines[^1]);
    }

    [Fact]
    public void Fewer_errors_are_all_listed()
    {
        var result = ScenarioParser.Parse("f.scenario", string.Concat(Enumerable.Repeat("cpy u a b 1p\nread u\n", 19)));
        Assert.False(result.Stopped);
        Assert.Equal(19, result.Errors.Count);
    }

    [Theory]
    [InlineData("uffd u\nmmap a\0anon 1p\n", "f.scenario:2:7: error: expected text, found control character U+0000 (is this a binary file?)")]
    [InlineData("\u0001ELF", "f.scenario:1:1: error: expected text, found control character U+0001 (is this a binary file?)")]
    [InlineData("read u # \u001b[31m\n", "f.scenario:1:10: error: expected text, found control character U+001B (is this a binary file?)")]
    [InlineData("", "f.scenario: error: expected at least one command, found an empty file")]
    [InlineData("\n  \r\n", "f.scenario: error: expected at least one command, found an empty file")]
    [InlineData("# only a comment\n\n# and another\n", "f.scenario: error: expected at least one command, found only blank lines and comments")]
    public void Texts_that_are_not_scenarios_get_one_message(string text, string expected) =>
        Assert.Equal(expected, Assert.Single(ScenarioParser.Parse("f.scenario", text).Errors).ToString());

    [Fact]
    public void Tabs_form_feeds_and_carriage_returns_are_text()
    {
        var result = ScenarioParser.Parse("f.scenario", "uffd\tu\f\r\nread u\v\n");
        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Script!.Statements.Count);
    }

    private static IEnumerable<string> ScenarioKeywords() =>
        ["mmap", "munmap", "register", "unregister", "copy", "zeropage", "populate_write", "wp_hugetlbfs_shmem"];
}
