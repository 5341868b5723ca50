using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

/// <summary>Non-cooperative events: blocking until read, mmap_changing, ordering, fork contexts, mremap, populate.</summary>
public sealed class UffdEventTests
{
    private const ulong Missing = UffdUapi.RegisterModeMissing;

    [Fact]
    public void Munmap_blocks_until_its_unmap_event_is_read_and_fills_get_eagain_meanwhile()
    {
        using var emu = new Emu();
        ulong a = emu.Map(8);
        int u = emu.Uffd(UffdUapi.FeatureEventUnmap);
        emu.Backend.Register(0, u, a, 8 * Emu.P, Missing);
        var munmap = emu.Backend.Munmap(0, a + 6 * Emu.P, 2 * Emu.P);
        Assert.Equal(ResultKind.Blocked, munmap.Kind);
        Assert.Equal("EAGAIN", emu.Backend.Zeropage(0, u, a, Emu.P, 0).ToString());
        var touch = emu.Backend.Touch(0, a + Emu.P, false, 0);
        Assert.Equal(ResultKind.Blocked, touch.Kind);
        Assert.Empty(emu.Completions());
        Assert.Equal(UffdEvent.PageFault, emu.Backend.Read(0, u).Message!.Value.Event);
        var unmap = emu.Backend.Read(0, u).Message!.Value;
        Assert.Equal((UffdEvent.Unmap, a + 6 * Emu.P, 2 * Emu.P), (unmap.Event, unmap.Address, unmap.Length));
        Assert.Equal(munmap.Thread, emu.Completions().Single().Thread);
        Assert.Equal("4096", emu.Backend.Zeropage(0, u, a + Emu.P, Emu.P, 0).ToString());
    }

    [Fact]
    public void Close_abandons_queued_events_and_releases_their_tasks()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        emu.Backend.Fill(0, a, 4 * Emu.P, BytePattern.Constant(7));
        int u = emu.Uffd(UffdUapi.FeatureEventRemove);
        emu.Backend.Register(0, u, a, 4 * Emu.P, Missing);
        Assert.Equal(ResultKind.Blocked, emu.Backend.Madvise(0, a, 4 * Emu.P, Advice.DontNeed).Kind);
        Assert.Equal("present+exclusive,present+exclusive,present+exclusive,present+exclusive", emu.Pagemap(a, 4));
        emu.Backend.Close(0, u);
        Assert.Equal("ok", emu.Completions().Single().Result.ToString());
        Assert.Equal("-,-,-,-", emu.Pagemap(a, 4));
    }

    [Fact]
    public void Fork_with_event_fork_gives_the_child_one_new_context_named_by_the_read()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        ulong b = emu.Map(4);
        int u = emu.Uffd(UffdUapi.FeatureEventFork);
        emu.Backend.Register(0, u, a, Emu.P, Missing);
        emu.Backend.Register(0, u, b, Emu.P, Missing);
        var fork = emu.Backend.Fork(0, out int child);
        Assert.Equal(ResultKind.Blocked, fork.Kind);
        var msg = emu.Backend.Read(0, u).Message!.Value;
        Assert.Equal(UffdEvent.Fork, msg.Event);
        Assert.Equal("ok", emu.Completions().Single().Result.ToString());
        var childMm = emu.System.Mms.Single(m => m.Id != emu.System.Mms[0].Id && m.Vmas.Find(a) is not null);
        var ctxA = childMm.Vmas.Find(a)!.Uffd;
        Assert.NotNull(ctxA);
        Assert.Same(ctxA, childMm.Vmas.Find(b)!.Uffd);
        Assert.NotSame(emu.System.Mms[0].Vmas.Find(a)!.Uffd, ctxA);
        Assert.Equal(ResultKind.Blocked, emu.Backend.Touch(child, a, false, 0).Kind);
        Assert.Equal("EAGAIN", emu.Backend.Read(0, u).ToString());
        Assert.Equal(a, emu.Backend.Read(0, msg.NewUffd).Message!.Value.Address);
    }

    [Fact]
    public void Mremap_moves_entries_and_keeps_the_registration_only_with_event_remap()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        emu.Backend.Fill(0, a + Emu.P, Emu.P, BytePattern.Constant(0x42));
        int u = emu.Uffd(UffdUapi.FeatureEventRemap);
        emu.Backend.Register(0, u, a, 4 * Emu.P, Missing);
        var remap = emu.Backend.Mremap(0, a, 4 * Emu.P, 4 * Emu.P, out ulong b);
        Assert.Equal(ResultKind.Blocked, remap.Kind);
        var msg = emu.Backend.Read(0, u).Message!.Value;
        Assert.Equal((UffdEvent.Remap, a, b, 4 * Emu.P), (msg.Event, msg.Address, msg.To, msg.Length));
        Assert.Single(emu.Completions());
        Assert.Equal("ok 0x42", emu.Touch(b + Emu.P));
        Assert.Equal("SIGSEGV", emu.Touch(a + Emu.P));
        Assert.Equal(ResultKind.Blocked, emu.Backend.Touch(0, b, false, 0).Kind);

        int v = emu.Uffd();
        ulong c = emu.Map(2);
        emu.Backend.Register(0, v, c, 2 * Emu.P, Missing);
        Assert.Equal("ok", emu.Backend.Mremap(0, c, 2 * Emu.P, Emu.P, out ulong d).ToString());
        Assert.Equal("ok 0x00", emu.Touch(d));
        Assert.Null(emu.System.Mms[0].Vmas.Find(d)!.Uffd);
    }

    [Fact]
    public void Populate_blocks_on_each_missing_page_and_checks_the_vma()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 2 * Emu.P, Missing);
        Assert.Equal(ResultKind.Blocked, emu.Backend.Madvise(0, a, 2 * Emu.P, Advice.PopulateWrite).Kind);
        Assert.Equal(UffdMessage.FlagWrite, emu.Backend.Read(0, u).Message!.Value.Flags);
        emu.Backend.Zeropage(0, u, a, Emu.P, 0);
        Assert.Empty(emu.Completions());
        Assert.Equal(a + Emu.P, emu.Backend.Read(0, u).Message!.Value.Address);
        emu.Backend.Zeropage(0, u, a + Emu.P, Emu.P, 0);
        Assert.Equal("ok", emu.Completions().Single().Result.ToString());
        Assert.Equal("present+exclusive,present+exclusive", emu.Pagemap(a, 2));

        ulong r = emu.Map(1, prot: Protection.Read);
        Assert.Equal("EINVAL", emu.Backend.Madvise(0, r, Emu.P, Advice.PopulateWrite).ToString());
        Assert.Equal("ENOMEM", emu.Backend.Madvise(0, r + 64 * Emu.P, Emu.P, Advice.PopulateRead).ToString());
    }
}
