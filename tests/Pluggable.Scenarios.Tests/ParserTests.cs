using Pluggable.Core.Userfaultfd;

using Pluggable.Core.Mm;

namespace Pluggable.Scenarios.Tests;

public class ParserTests
{
    private static AddressExpr A(string text) => ValueScanner.Address(new Token(text, 1, 1));

    private static SizeExpr S(string text) => ValueScanner.Size(new Token(text, 1, 1));

    private const Protection Rw = Protection.Read | Protection.Write;

    internal static ScenarioCommand One(string line)
    {
        var result = ScenarioParser.Parse("t.scenario", line);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return Assert.Single(result.Script!.Statements).Command;
    }

    public static readonly (string Line, ScenarioCommand Command)[] Commands =
    [
        ("arch x86-64", new ArchCommand("x86-64")),
        ("arch any", new ArchCommand("any")),
        ("hugepages 2m 4", new HugepagesCommand(S("2m"), 4)),
        ("hugepages 1hp 0x10", new HugepagesCommand(S("1hp"), 16)),
        ("thp always", new ThpCommand(ThpPolicy.Always)),
        ("thp madvise", new ThpCommand(ThpPolicy.Madvise)),
        ("thp never", new ThpCommand(ThpPolicy.Never)),
        ("memfd m shmem 4p", new MemfdCommand("m", false, S("4p"))),
        ("memfd h hugetlb 2hp", new MemfdCommand("h", true, S("2hp"))),
        ("mmap a anon 16p", new MmapAnonCommand("a", S("16p"), false, Rw, null, false)),
        ("mmap a anon 1hp populate prot=r align=1g shared", new MmapAnonCommand("a", S("1hp"), true, Protection.Read, S("1g"), true)),
        ("mmap a anon 1p prot=none", new MmapAnonCommand("a", S("1p"), false, Protection.None, null, false)),
        ("mmap a anon 1p prot=rx", new MmapAnonCommand("a", S("1p"), false, Protection.Read | Protection.Exec, null, false)),
        ("mmap a anon 1p prot=rwx", new MmapAnonCommand("a", S("1p"), false, Protection.Read | Protection.Write | Protection.Exec, null, false)),
        ("mmap f file=m", new MmapFileCommand("f", "m", null, null, false, Rw)),
        ("mmap f file=m 2p offset=1p private prot=r", new MmapFileCommand("f", "m", S("2p"), S("1p"), true, Protection.Read)),
        ("mmap f file=m private", new MmapFileCommand("f", "m", null, null, true, Rw)),
        ("munmap a+1p 2p", new MunmapCommand(A("a+1p"), S("2p"))),
        ("mprotect a 1p r", new MprotectCommand(A("a"), S("1p"), Protection.Read)),
        ("madvise a 1p dontneed", new MadviseCommand(A("a"), S("1p"), Advice.DontNeed)),
        ("madvise a 1p remove", new MadviseCommand(A("a"), S("1p"), Advice.Remove)),
        ("madvise a 1p pageout", new MadviseCommand(A("a"), S("1p"), Advice.PageOut)),
        ("madvise a 1hp hugepage", new MadviseCommand(A("a"), S("1hp"), Advice.HugePage)),
        ("madvise a 1hp nohugepage", new MadviseCommand(A("a"), S("1hp"), Advice.NoHugePage)),
        ("madvise a 1hp collapse", new MadviseCommand(A("a"), S("1hp"), Advice.Collapse)),
        ("madvise a 1p populate_read", new MadviseCommand(A("a"), S("1p"), Advice.PopulateRead)),
        ("madvise a 1p populate_write", new MadviseCommand(A("a"), S("1p"), Advice.PopulateWrite)),
        ("mremap a b", new MremapCommand("a", "b", null)),
        ("mremap a b size=8p", new MremapCommand("a", "b", S("8p"))),
        ("fork c", new ForkCommand("c")),
        ("in c touch a read", new InCommand("c", new TouchCommand(A("a"), false, 0))),
        ("in c mremap a b", new InCommand("c", new MremapCommand("a", "b", null))),
        ("in c in d check a 1p 0x11", new InCommand("c", new InCommand("d", new CheckCommand(A("a"), S("1p"), BytePattern.Constant(0x11))))),
        ("in in in c fork d", new InCommand("in", new InCommand("c", new ForkCommand("d")))),
        ("uffd u", new UffdCommand("u", 0, new UffdCreateOptions(false, false, false), false)),
        ("uffd u features=event_fork,move nonblock user-only via=dev noapi",
            new UffdCommand("u", UffdUapi.FeatureEventFork | UffdUapi.FeatureMove, new UffdCreateOptions(true, true, true), true)),
        ("uffd u via=syscall", new UffdCommand("u", 0, new UffdCreateOptions(false, false, false), false)),
        ("api u", new ApiCommand("u", 0, UffdUapi.Api)),
        ("api u@c version=0xab features=0x8000000000000000", new ApiCommand("u@c", 0x8000000000000000, 0xab)),
        ("register u a 16p missing", new RegisterCommand("u", A("a"), S("16p"), UffdUapi.RegisterModeMissing)),
        ("register u a 16p missing,wp,minor", new RegisterCommand("u", A("a"), S("16p"), UffdUapi.RegisterModesAll)),
        ("unregister u a 16p", new UnregisterCommand("u", A("a"), S("16p"))),
        ("copy u a+3p src 1p", new CopyCommand("u", A("a+3p"), A("src"), S("1p"), 0)),
        ("copy u a+3p src 1p wp dontwake", new CopyCommand("u", A("a+3p"), A("src"), S("1p"), UffdUapi.CopyModeDontWake | UffdUapi.CopyModeWp)),
        ("zeropage u a 1p dontwake", new ZeropageCommand("u", A("a"), S("1p"), UffdUapi.ZeropageModeDontWake)),
        ("continue u a 1p wp", new ContinueCommand("u", A("a"), S("1p"), UffdUapi.ContinueModeWp)),
        ("poison u a 1p", new PoisonCommand("u", A("a"), S("1p"), 0)),
        ("move u a src 1p allow-src-holes dontwake", new MoveCommand("u", A("a"), A("src"), S("1p"), UffdUapi.MoveModeAllowSrcHoles | UffdUapi.MoveModeDontWake)),
        ("wp u a 1p on", new WriteProtectCommand("u", A("a"), S("1p"), UffdUapi.WriteProtectModeWp)),
        ("wp u a 1p off dontwake", new WriteProtectCommand("u", A("a"), S("1p"), UffdUapi.WriteProtectModeDontWake)),
        ("wake u a 1p", new WakeCommand("u", A("a"), S("1p"))),
        ("read u@c@d", new ReadCommand("u@c@d")),
        ("close u", new CloseCommand("u")),
        ("touch a+3p read", new TouchCommand(A("a+3p"), false, 0)),
        ("touch a write", new TouchCommand(A("a"), true, 0x01)),
        ("touch a write value=0x7f", new TouchCommand(A("a"), true, 0x7f)),
        ("fill src 1p 0x5a", new FillCommand(A("src"), S("1p"), BytePattern.Constant(0x5a))),
        ("check a 16p pageidx", new CheckCommand(A("a"), S("16p"), BytePattern.PageIdx)),
        ("pagemap a 6p", new PagemapCommand(A("a"), S("6p"))),
        ("gup a 4", new GupCommand(A("a"), 4, false, false, false, false, false, false, false)),
        ("gup a 4 dump fast-only fast longterm pin force write", new GupCommand(A("a"), 4, true, true, true, true, true, true, true)),
        ("unpin a 4", new UnpinCommand(A("a"), 4)),
        ("dump a 1hp", new DumpCommand(A("a"), S("1hp"))),
        ("trace on", new TraceCommand(true)),
        ("trace off", new TraceCommand(false)),
    ];

    [Fact]
    public void Every_command_parses()
    {
        foreach (var (line, command) in Commands)
            Assert.True(command.Equals(One(line)), $"{line}: got {One(line)}");
    }

    [Fact]
    public void Every_command_of_the_language_is_covered()
    {
        string[] names =
        [
            "arch", "hugepages", "thp", "memfd", "mmap", "munmap", "mprotect", "madvise", "mremap", "fork", "in",
            "uffd", "api", "register", "unregister", "copy", "zeropage", "continue", "poison", "move", "wp", "wake", "read", "close",
            "touch", "fill", "check", "pagemap", "gup", "unpin", "dump", "trace",
        ];
        foreach (var name in names)
            Assert.Contains(Commands, c => c.Line.StartsWith(name + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void Statements_keep_line_echo_and_expectation()
    {
        var script = ScenarioParser.Parse("t.scenario", "# c\n\n  copy   u a+3p\tsrc 1p   => 4096  # done\nread u\n").Script!;
        Assert.Equal(2, script.Statements.Count);
        var copy = script.Statements[0];
        Assert.Equal(3, copy.Line);
        Assert.Equal("copy u a+3p src 1p", copy.Echo);
        Assert.Equal("4096", copy.Expectation);
        Assert.Null(script.Statements[1].Expectation);
        Assert.Equal("t.scenario", script.DisplayName);
    }
}
