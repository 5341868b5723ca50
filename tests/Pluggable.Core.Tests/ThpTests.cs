using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

public class ThpTests
{
    private const ulong Pmd = 512;

    private static ulong HugeMap(Emu emu, ulong blocks = 1)
    {
        ulong a = emu.Map(blocks * Pmd);
        Assert.Equal("ok", emu.Backend.Madvise(0, a, blocks * Pmd * Emu.P, Advice.HugePage).ToString());
        return a;
    }

    private static WalkResult PmdOf(Emu emu, ulong a, int process = 0) =>
        emu.System.Mms[process].Tables.Walk(a, PageLevel.Pmd, allocate: false);

    [Fact]
    public void A_write_fault_maps_one_exclusive_pmd_leaf_holding_one_reference()
    {
        using var emu = new Emu();
        ulong a = HugeMap(emu);
        Assert.Equal("ok", emu.Touch(a + 7 * Emu.P, write: true, value: 0x77));
        var walk = PmdOf(emu, a);
        Assert.Equal(EntryKind.Page, walk.Entry.Kind);
        Assert.True(walk.Entry.Has(EntryFlags.Write));
        ref var head = ref emu.System.Memory[walk.Entry.Frame];
        Assert.Equal(1, head.RefCount);
        Assert.Equal(9, head.Order);
        Assert.Equal(512, emu.System.Mms[0].AnonRss);
        Assert.Equal("present+exclusive,present+exclusive", emu.Pagemap(a + 510 * Emu.P, 2));
        Assert.Equal("ok 0x77", emu.Touch(a + 7 * Emu.P));
    }

    [Fact]
    public void A_read_fault_maps_the_huge_zero_page_and_a_write_replaces_it_by_a_thp()
    {
        using var emu = new Emu();
        ulong a = HugeMap(emu);
        Assert.Equal("ok 0x00", emu.Touch(a + 3 * Emu.P));
        Assert.Equal("present+zero+file", emu.Pagemap(a + 3 * Emu.P, 1));
        Assert.Equal(0, emu.System.Mms[0].AnonRss);
        Assert.Equal("ok", emu.Touch(a + 3 * Emu.P, write: true));
        Assert.Equal(512, emu.System.Mms[0].AnonRss);
        Assert.False(emu.System.HugeZero.Contains(PmdOf(emu, a).Entry.Frame));
    }

    [Fact]
    public void Policy_never_and_nohugepage_fall_back_to_small_pages()
    {
        using var emu = new Emu();
        emu.Backend.Thp(ThpPolicy.Never);
        ulong a = HugeMap(emu);
        emu.Touch(a, write: true);
        Assert.Equal(PageLevel.Pmd, PmdOf(emu, a).Level);
        Assert.Equal(EntryKind.Table, PmdOf(emu, a).Entry.Kind);
        emu.Backend.Thp(ThpPolicy.Always);
        ulong b = emu.Map(Pmd);
        emu.Touch(b, write: true);
        Assert.Equal(EntryKind.Page, PmdOf(emu, b).Entry.Kind);
        ulong c = emu.Map(Pmd);
        emu.Backend.Madvise(0, c, Pmd * Emu.P, Advice.NoHugePage);
        emu.Touch(c, write: true);
        Assert.Equal(EntryKind.Table, PmdOf(emu, c).Entry.Kind);
    }

    [Fact]
    public void Partial_munmap_splits_keeping_frames_and_a_full_one_frees_the_folio()
    {
        using var emu = new Emu();
        {
            ulong a = HugeMap(emu);
            emu.Backend.Fill(0, a, Pmd * Emu.P, Scenarios.BytePattern.PageIdx);
            ulong head = PmdOf(emu, a).Entry.Frame;
            Assert.Equal("ok", emu.Backend.Munmap(0, a + 256 * Emu.P, 4 * Emu.P).ToString());
            Assert.Equal(EntryKind.Table, PmdOf(emu, a).Entry.Kind);
            Assert.Equal(508, emu.System.Memory[head].RefCount);
            Assert.Equal(0, emu.System.Memory[head + 257].MapCount);
            Assert.Equal(1, emu.System.Memory[head + 260].MapCount);
            Assert.Equal(508, emu.System.Mms[0].AnonRss);
            var walk = emu.System.Mms[0].Tables.Walk(a + 260 * Emu.P, PageLevel.Pte, allocate: false);
            Assert.Equal(head + 260, walk.Entry.Frame);
            Assert.Equal("ok", emu.Backend.Check(0, a + 260 * Emu.P, Emu.P, Scenarios.BytePattern.Constant(0x05)).ToString());
            Assert.Equal("ok", emu.Backend.Munmap(0, a, Pmd * Emu.P).ToString());
            Assert.Equal(0, emu.System.Mms[0].AnonRss);
            Assert.Equal(0, emu.System.Memory[head].RefCount);
        }
    }

    [Fact]
    public void Fork_shares_the_leaf_read_only_and_a_write_splits_only_the_writer()
    {
        using var emu = new Emu();
        ulong a = HugeMap(emu);
        emu.Touch(a, write: true, value: 0x11);
        ulong head = PmdOf(emu, a).Entry.Frame;
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal(2, emu.System.Memory[head].RefCount);
        Assert.Equal(2, emu.System.Memory[head + 100].MapCount);
        Assert.False(PmdOf(emu, a).Entry.Has(EntryFlags.Write));
        Assert.Equal("ok", emu.Touch(a + 3 * Emu.P, write: true));
        Assert.Equal(EntryKind.Table, PmdOf(emu, a).Entry.Kind);
        Assert.Equal(EntryKind.Page, PmdOf(emu, a, child).Entry.Kind);
        Assert.Equal(1, emu.System.Memory[head + 3].MapCount);
        Assert.Equal(512, emu.System.Memory[head].RefCount);
        Assert.Equal("ok 0x11", emu.Touch(a, process: child));
        Assert.Equal("present,present,present,present+exclusive", emu.Pagemap(a, 4));
    }

    [Fact]
    public void A_pmd_leaf_carries_uffd_wp_through_the_codec_and_loses_it_on_unregister()
    {
        using var emu = new Emu();
        ulong a = HugeMap(emu);
        emu.Touch(a, write: true);
        int u = emu.Uffd();
        Assert.StartsWith("ok", emu.Backend.Register(0, u, a, Pmd * Emu.P, UffdUapi.RegisterModeWp).ToString());
        var mm = emu.System.Mms[0];
        var walk = PmdOf(emu, a);
        mm.Tables.Set(walk.Slot, a, walk.Entry.With(EntryFlags.UffdWp, EntryFlags.Write));
        Assert.True(PmdOf(emu, a).Entry.Has(EntryFlags.UffdWp));
        Assert.Equal("present+exclusive+wp", emu.Pagemap(a, 1));
        Assert.Equal("ok", emu.Backend.Unregister(0, u, a, Pmd * Emu.P).ToString());
        Assert.False(PmdOf(emu, a).Entry.Has(EntryFlags.UffdWp));
        Assert.Equal(EntryKind.Page, PmdOf(emu, a).Entry.Kind);
    }

    [Fact]
    public void Collapse_copies_small_pages_into_a_new_thp_and_drops_them()
    {
        using var emu = new Emu();
        ulong a = emu.Map(Pmd);
        emu.Touch(a + Emu.P, write: true, value: 0x42);
        emu.Touch(a + 2 * Emu.P);
        long used = emu.System.Memory.UsedFrames;
        Assert.Equal("ok", emu.Backend.Madvise(0, a, Pmd * Emu.P, Advice.Collapse).ToString());
        Assert.Equal(EntryKind.Page, PmdOf(emu, a).Entry.Kind);
        Assert.Equal("ok 0x42", emu.Touch(a + Emu.P));
        Assert.Equal(512, emu.System.Mms[0].AnonRss);
        Assert.Equal(used + 512 - 2 + 1, emu.System.Memory.UsedFrames); // the emptied PTE table stays, deposited for the new leaf
        ulong b = emu.Map(Pmd);
        Assert.Equal("EINVAL", emu.Backend.Madvise(0, b, Pmd * Emu.P, Advice.Collapse).ToString());
    }
}
