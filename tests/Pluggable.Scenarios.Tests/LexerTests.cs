namespace Pluggable.Scenarios.Tests;

public class LexerTests
{
    [Fact]
    public void Words_carry_line_and_column()
    {
        var lines = ScenarioLexer.Lex("\n  copy u  a+3p\tsrc 1p\n");
        var line = Assert.Single(lines);
        Assert.Equal(2, line.Line);
        Assert.Equal(
            [new Token("copy", 2, 3), new Token("u", 2, 8), new Token("a+3p", 2, 11), new Token("src", 2, 16), new Token("1p", 2, 20)],
            line.Words);
        Assert.Null(line.Expectation);
        Assert.Equal(22, line.EndColumn);
    }

    [Fact]
    public void Comments_blank_lines_and_comment_only_lines_are_dropped()
    {
        var lines = ScenarioLexer.Lex("# heading\n\n   \nread u # why\n   # indented\n");
        var line = Assert.Single(lines);
        Assert.Equal(4, line.Line);
        Assert.Equal(["read", "u"], line.Words.Select(w => w.Text));
    }

    [Fact]
    public void Expectation_is_the_trimmed_text_after_the_arrow_and_before_a_comment()
    {
        var line = Assert.Single(ScenarioLexer.Lex("pagemap a 6p   =>  - x3, present   # note"));
        Assert.Equal(["pagemap", "a", "6p"], line.Words.Select(w => w.Text));
        Assert.Equal("- x3, present", line.Expectation);
        Assert.Equal(16, line.ExpectationColumn);
    }

    [Fact]
    public void Crlf_and_byte_order_mark_are_ignored()
    {
        var lines = ScenarioLexer.Lex("\uFEFFuffd u\r\nread u => EAGAIN\r\n").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(new Token("uffd", 1, 1), lines[0].Words[0]);
        Assert.Equal("u", lines[0].Words[1].Text);
        Assert.Equal("EAGAIN", lines[1].Expectation);
    }

    [Fact]
    public void Columns_count_characters_not_utf16_units()
    {
        var line = Assert.Single(ScenarioLexer.Lex("\U0001F600é x"));
        Assert.Equal(4, line.Words[1].Column);
        Assert.Equal(5, line.EndColumn);
    }

    [Fact]
    public void Slices_of_a_token_have_their_own_column()
    {
        var token = new Token("features=move,sigbus", 3, 8);
        Assert.Equal(new Token("sigbus", 3, 22), token.Slice(14));
        Assert.Equal(new Token("move", 3, 17), token.Slice(9, 4));
    }
}
