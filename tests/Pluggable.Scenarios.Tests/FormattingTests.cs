using Pluggable.Core.Userfaultfd;

using Pluggable.Core.Mm;

namespace Pluggable.Scenarios.Tests;

public class FormattingTests
{
    private const ulong A = 0x7f0000000000;

    [Fact]
    public void Addresses_are_label_relative_in_base_pages_or_hex()
    {
        var tree = new ProcessTree();
        var formatter = new LabelAddressFormatter(tree, 4096);
        tree.Bind(tree.Main, "a", A, 4UL << 20);

        Assert.Equal("a", formatter.Format(A));
        Assert.Equal("a+3p", formatter.Format(A + 0x3000));
        Assert.Equal("a+0x3010", formatter.Format(A + 0x3010));
        Assert.Equal("a+0x1", formatter.Format(A + 1));
        Assert.Equal("a+512p", formatter.Format(A + (2UL << 20)));
        Assert.Equal("0x7f0000400000", formatter.Format(A + (4UL << 20)));
        Assert.Equal("0x1234", formatter.Format(0x1234));
    }

    [Fact]
    public void Pages_are_the_architecture_base_pages()
    {
        var tree = new ProcessTree();
        var formatter = new LabelAddressFormatter(tree, 65536);
        tree.Bind(tree.Main, "a", A, 1UL << 30);
        Assert.Equal("a+3p", formatter.Format(A + 3 * 65536));
        Assert.Equal("a+0x3000", formatter.Format(A + 0x3000));
    }

    [Fact]
    public void The_newest_label_holding_the_address_wins_and_gone_labels_still_format()
    {
        var tree = new ProcessTree();
        var formatter = new LabelAddressFormatter(tree, 4096);
        tree.Bind(tree.Main, "a", A, 0x10000);
        tree.Bind(tree.Main, "b", A + 0x8000, 0x1000);
        // a moved away: its name now means the new place, the old range still formats as "a" only through history.
        tree.Bind(tree.Main, "a", A + 0x100000, 0x10000);

        Assert.Equal("b", formatter.Format(A + 0x8000));
        Assert.Equal("a+1p", formatter.Format(A + 0x1000));
        Assert.Equal("a+2p", formatter.Format(A + 0x102000));
        Assert.Equal("b+256p", formatter.Relative(tree.ResolveLabel(tree.Main, "b"), A + 0x108000));
    }

    [Fact]
    public void Labels_of_descendants_format_and_resolve()
    {
        var tree = new ProcessTree();
        var formatter = new LabelAddressFormatter(tree, 4096);
        tree.Bind(tree.Main, "a", A, 0x4000);
        var c = tree.Fork(tree.Main, 1, "c");
        var d = tree.Fork(c, 2, "d");
        tree.Bind(d, "x", A + 0x100000, 0x4000);
        tree.Bind(c, "x", A + 0x200000, 0x4000);

        Assert.Same(tree.ResolveLabel(tree.Main, "a"), tree.ResolveLabel(d, "a"));
        Assert.Equal(A + 0x200000, tree.ResolveLabel(tree.Main, "x").Address);
        Assert.Equal(A + 0x100000, tree.ResolveLabel(d, "x").Address);
        Assert.Equal("x+1p", formatter.Format(tree.Main, A + 0x101000));
        // Not d's own, but a label of the scenario (an event d reads may describe its parent's mappings).
        Assert.Equal("x+1p", formatter.Format(d, A + 0x201000));
        Assert.Equal("0x7f0000901000", formatter.Format(d, A + 0x901000));
        var e = Assert.Throws<ScriptErrorException>(() => tree.ResolveLabel(c, "nope"));
        Assert.Equal("unknown label 'nope'", e.Message);
    }

    [Fact]
    public void Pagemap_runs_collapse()
    {
        var p = PagemapFlags.Present;
        Assert.Equal("present+exclusive x3, -, present+zero x12",
            Format([.. Enumerable.Repeat(p | PagemapFlags.Exclusive, 3), PagemapFlags.None, .. Enumerable.Repeat(p | PagemapFlags.Zero, 12)]));
        Assert.Equal("- x3, present+exclusive, present+zero, -",
            Format([0, 0, 0, p | PagemapFlags.Exclusive, p | PagemapFlags.Zero, 0]));
        Assert.Equal("present+zero+swap+file+exclusive+wp",
            Format([PagemapFlags.Wp | PagemapFlags.Exclusive | PagemapFlags.File | PagemapFlags.Swap | PagemapFlags.Zero | p]));
        Assert.Equal("wp x2, present+file", Format([PagemapFlags.Wp, PagemapFlags.Wp, p | PagemapFlags.File]));
        var huge = new PagemapRuns();
        huge.Add(PagemapFlags.None, 1UL << 40);
        huge.Add(p | PagemapFlags.Exclusive, 1);
        Assert.Equal("- x1099511627776, present+exclusive", PagemapText.Format(huge));
    }

    private static string Format(PagemapFlags[] pages) => PagemapText.Format(PagemapRuns.From(pages));

    private static string ReadLine(UffdMessage message)
    {
        var backend = new FakeBackend().On("Read", CommandResult.FromMessage(message));
        var run = Run.Text("uffd u\nmmap a anon 16p\nmmap b anon 1p\nread u\n", backend);
        Assert.Equal(0, run.Exit);
        return run.Lines[3];
    }

    private const ulong B = A + (4UL << 20);

    [Fact]
    public void Read_messages()
    {
        Assert.Equal("read u -> pagefault a+3p", ReadLine(new(UffdEvent.PageFault, A + 0x3000, 0, 0, 0, 0, 0)));
        Assert.Equal("read u -> pagefault a+0x3010 write", ReadLine(new(UffdEvent.PageFault, A + 0x3010, UffdMessage.FlagWrite, 0, 0, 0, 0)));
        Assert.Equal("read u -> pagefault a write wp", ReadLine(new(UffdEvent.PageFault, A, UffdMessage.FlagWrite | UffdMessage.FlagWp, 0, 0, 0, 0)));
        Assert.Equal("read u -> pagefault b minor", ReadLine(new(UffdEvent.PageFault, B, UffdMessage.FlagMinor, 0, 0, 0, 0)));
        Assert.Equal("read u -> remap a+1p -> b 8192", ReadLine(new(UffdEvent.Remap, A + 0x1000, 0, B, 8192, 0, 0)));
        Assert.Equal("read u -> remove a+2p 4096", ReadLine(new(UffdEvent.Remove, A + 0x2000, 0, 0, 4096, 0, 0)));
        Assert.Equal("read u -> unmap 0x1000 2097152", ReadLine(new(UffdEvent.Unmap, 0x1000, 0, 0, 2UL << 20, 0, 0)));
    }

    [Fact]
    public void Other_results()
    {
        var backend = new FakeBackend()
            .On("Copy", CommandResult.Error(Errno.EAGAIN, 8192))
            .On("Zeropage", CommandResult.Error(Errno.EEXIST))
            .On("Touch", CommandResult.Signal("SIGBUS"))
            .On("Touch", CommandResult.Ok("0x5a"))
            .On("Register", CommandResult.Ok(UffdUapi.FormatIoctls(UffdUapi.RangeIoctlsBasic)))
            .On("Gup", CommandResult.Unsupported())
            .On("Poison", CommandResult.FromBytes(12288));
        var run = Run.Text(
            "uffd u\nmmap a anon 4p\ncopy u a a 2p\nzeropage u a 1p\ntouch a read\ntouch a read\nregister u a 4p missing\ngup a 1\npoison u a 3p\n",
            backend);
        Assert.Equal(
            [
                "uffd u -> ok", "mmap a anon 4p -> ok", "copy u a a 2p -> EAGAIN after 8192", "zeropage u a 1p -> EEXIST",
                "touch a read -> SIGBUS", "touch a read -> ok 0x5a", "register u a 4p missing -> ok ioctls=wake,copy,writeprotect,continue,poison",
                "gup a 1 -> unsupported", "poison u a 3p -> 12288", "end -> ok",
            ],
            run.Lines);
    }
}
