namespace Pluggable.Scenarios.Tests;

public class ParseErrorTests
{
    private static string Error(string text)
    {
        var result = ScenarioParser.Parse("f.scenario", text);
        Assert.Null(result.Script);
        return Assert.Single(result.Errors).ToString();
    }

    [Theory]
    [InlineData("cpy u a src 1p", "1:1: error: expected a command, found 'cpy' (did you mean 'copy'?)")]
    [InlineData("  regster u a 1p missing", "1:3: error: expected a command, found 'regster' (did you mean 'register'?)")]
    [InlineData("frobnicate", "1:1: error: expected a command, found 'frobnicate'")]
    [InlineData("touch a rd", "1:9: error: expected read or write, found 'rd' (did you mean 'read'?)")]
    [InlineData("touch a+3q read", "1:9: error: expected a size, found '3q'")]
    [InlineData("touch a+1p+ read", "1:7: error: expected an address, found 'a+1p+'")]
    [InlineData("touch 1a read", "1:7: error: expected an address, found '1a'")]
    [InlineData("touch a read value=0x01", "1:14: error: expected end of line, found 'value=0x01'")]
    [InlineData("touch a write value=0x100", "1:21: error: expected a byte (0xNN or pageidx), found '0x100'")]
    [InlineData("copy u a src", "1:13: error: expected a size, found end of line")]
    [InlineData("copy u a src 1p dontwak", "1:17: error: expected an option, found 'dontwak' (did you mean 'dontwake'?)")]
    [InlineData("mmap a anon 1p shard", "1:16: error: expected an option, found 'shard' (did you mean 'shared'?)")]
    [InlineData("mmap a anon 1p align", "1:16: error: expected an option, found 'align' (did you mean 'align='?)")]
    [InlineData("mmap a anon 1p prot=r shared prot=rw", "1:30: error: expected 'prot=' once, found 'prot=rw'")]
    [InlineData("copy u a b 1p dontwake dontwake", "1:24: error: expected 'dontwake' once, found 'dontwake'")]
    [InlineData("mmap a anon 1p prot=", "1:16: error: expected a value after 'prot=', found 'prot='")]
    [InlineData("mmap a anon 1p prot=rwz", "1:21: error: expected a protection (none, r, rw, rx, rwx, x, w, wx), found 'rwz' (did you mean 'rw'?)")]
    [InlineData("mmap a fle=m", "1:8: error: expected anon or file=NAME, found 'fle=m' (did you mean 'file=m'?)")]
    [InlineData("mmap a anno 1p", "1:8: error: expected anon or file=NAME, found 'anno' (did you mean 'anon'?)")]
    [InlineData("mmap a file=m populate", "1:15: error: expected an option, found 'populate'")]
    [InlineData("mmap 1a anon 1p", "1:6: error: expected a label, found '1a'")]
    [InlineData("uffd u featurs=move", "1:8: error: expected an option, found 'featurs=move' (did you mean 'features=move'?)")]
    [InlineData("uffd u features=move,evnt_fork", "1:22: error: expected a feature, found 'evnt_fork' (did you mean 'event_fork'?)")]
    [InlineData("uffd u features=move,", "1:17: error: expected a comma list of features, found 'move,'")]
    [InlineData("uffd u via=devv", "1:12: error: expected syscall or dev, found 'devv' (did you mean 'dev'?)")]
    [InlineData("uffd u-1", "1:6: error: expected a userfaultfd name, found 'u-1'")]
    [InlineData("register u a 1p missng", "1:17: error: expected a mode (missing, wp, minor, none), found 'missng' (did you mean 'missing'?)")]
    [InlineData("register u a 1p missing,mnor", "1:25: error: expected a mode (missing, wp, minor, none), found 'mnor' (did you mean 'minor'?)")]
    [InlineData("madvise a 1p dontned", "1:14: error: expected an advice, found 'dontned' (did you mean 'dontneed'?)")]
    [InlineData("thp alway", "1:5: error: expected always, madvise or never, found 'alway' (did you mean 'always'?)")]
    [InlineData("memfd m shmm 1p", "1:9: error: expected shmem or hugetlb, found 'shmm' (did you mean 'shmem'?)")]
    [InlineData("check a 1p pageid", "1:12: error: expected a byte (0xNN or pageidx), found 'pageid' (did you mean 'pageidx'?)")]
    [InlineData("wp u a 1p onn", "1:11: error: expected on or off, found 'onn' (did you mean 'on'?)")]
    [InlineData("hugepages 2m 99999999999999999999", "1:14: error: expected a number, found '99999999999999999999'")]
    [InlineData("hugepages 0xffffffffffffffffg 1", "1:11: error: expected a size that fits in 64 bits, found '0xffffffffffffffffg'")]
    [InlineData("gup a 1p", "1:7: error: expected a number, found '1p'")]
    [InlineData("read u extra", "1:8: error: expected end of line, found 'extra'")]
    [InlineData("read", "1:5: error: expected a userfaultfd name, found end of line")]
    [InlineData("in c arch x86_64", "1:6: error: expected a command, found 'arch'")]
    [InlineData("in c in d arch x86_64", "1:11: error: expected a command, found 'arch'")]
    [InlineData("in c in", "1:8: error: expected a process name, found end of line")]
    [InlineData("in c in 1d read u", "1:9: error: expected a process name, found '1d'")]
    [InlineData("in c", "1:5: error: expected a command, found end of line")]
    [InlineData("=> ok", "1:1: error: expected a command, found '=>'")]
    [InlineData("read u =>", "1:10: error: expected a result after '=>', found end of line")]
    [InlineData("\U0001F600 read", "1:1: error: expected a command, found '\U0001F600'")]
    [InlineData("touch é read", "1:7: error: expected an address, found 'é'")]
    [InlineData("fork c\tx", "1:8: error: expected end of line, found 'x'")]
    public void Messages_name_what_was_expected_and_where(string line, string expected) =>
        Assert.Equal("f.scenario:" + expected, Error(line));

    [Fact]
    public void The_example_of_the_brief()
    {
        var result = ScenarioParser.Parse("f.scenario", "uffd u\nmmap a anon 1p\ncpy u a src 1p\n");
        Assert.Equal("f.scenario:3:1: error: expected a command, found 'cpy' (did you mean 'copy'?)", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Every_bad_line_is_reported_once_in_order()
    {
        var result = ScenarioParser.Parse("f.scenario", "cpy u a src 1p\nread u\ntouch a rd wrong\nfill a 1p 0x100 # c\n");
        Assert.Equal(
            [
                "f.scenario:1:1: error: expected a command, found 'cpy' (did you mean 'copy'?)",
                "f.scenario:3:9: error: expected read or write, found 'rd' (did you mean 'read'?)",
                "f.scenario:4:11: error: expected a byte (0xNN or pageidx), found '0x100'",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_parse_error_runs_nothing_and_exits_2()
    {
        var backend = new FakeBackend();
        var run = Run.Text("uffd u\ncpy u a src 1p\ntouch a rd\n", backend);
        Assert.Equal(2, run.Exit);
        Assert.Equal("", run.Stdout);
        Assert.Equal(
            "t.scenario:2:1: error: expected a command, found 'cpy' (did you mean 'copy'?)\n"
            + "t.scenario:3:9: error: expected read or write, found 'rd' (did you mean 'read'?)\n",
            run.Stderr);
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public void Suggestions_use_edit_distance_with_swaps()
    {
        Assert.Equal(1, Suggestions.Distance("cpoy", "copy"));
        Assert.Equal(1, Suggestions.Distance("cpy", "copy"));
        Assert.Equal("copy", Suggestions.Closest("cpoy", ["close", "copy", "check"]));
        Assert.Null(Suggestions.Closest("zzzz", ["copy"]));
        Assert.Equal("read", Suggestions.Closest("rd", ["write", "read"]));
        Assert.Equal("populate_write", Suggestions.Closest("pop_write", Keywords.Advices.Words));
        Assert.Null(Suggestions.Closest("r", ["read"]));
        Assert.Null(Suggestions.Closest("6", ["4", "5"]));
        Assert.Null(Suggestions.Closest("ab", ["cd", "read"]));
    }
}
