using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

public class MoveTests
{
    private const ulong Pmd = 512;
    private const ulong Missing = UffdUapi.RegisterModeMissing;

    [Fact]
    public void A_moved_page_keeps_its_frame_and_leaves_the_source_empty()
    {
        using var emu = new Emu();
        ulong src = emu.Map(4), dst = emu.Map(4);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, dst, 4 * Emu.P, Missing);
        emu.Touch(src, write: true, value: 0x5a);
        var mm = emu.System.Mms[0];
        ulong pfn = mm.Tables.Walk(src, PageLevel.Pte, false).Entry.Frame;
        Assert.Equal("4096", emu.Backend.Move(0, u, dst, src, Emu.P, 0).ToString());
        var moved = mm.Tables.Walk(dst, PageLevel.Pte, false).Entry;
        Assert.Equal(pfn, moved.Frame);
        Assert.True(moved.Has(EntryFlags.Write));
        Assert.True(moved.Has(EntryFlags.Dirty));
        Assert.Equal("-", emu.Pagemap(src, 1));
        Assert.Equal("ok 0x5a", emu.Touch(dst));
        Assert.Equal(1, mm.AnonRss);
    }

    [Fact]
    public void Errors_follow_the_kernel_order()
    {
        using var emu = new Emu();
        ulong src = emu.Map(4), dst = emu.Map(4);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, dst, 4 * Emu.P, Missing);
        Assert.Equal("EINVAL", emu.Backend.Move(0, u, dst + 1, src, Emu.P, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Move(0, u, dst, src, Emu.P, 4).ToString());
        Assert.Equal("ENOENT", emu.Backend.Move(0, u, dst, src, Emu.P, 0).ToString());
        Assert.Equal("4096", emu.Backend.Move(0, u, dst, src, Emu.P, UffdUapi.MoveModeAllowSrcHoles).ToString());
        Assert.Equal("EINVAL", emu.Backend.Move(0, u, src, dst, Emu.P, 0).ToString());
        emu.Touch(src + Emu.P, write: true);
        emu.Touch(src + 2 * Emu.P, write: true);
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal("EINVAL", emu.Backend.Move(child, u, dst + Emu.P, src + Emu.P, Emu.P, 0).ToString());
        Assert.Equal("EBUSY", emu.Backend.Move(0, u, dst + Emu.P, src + Emu.P, Emu.P, 0).ToString());
        emu.Touch(src + Emu.P, write: true);
        Assert.Equal("EAGAIN after 4096", emu.Backend.Move(0, u, dst + Emu.P, src + Emu.P, 2 * Emu.P, 0).ToString());
    }

    [Fact]
    public void An_aligned_pmd_moves_whole_and_a_partial_move_splits_the_folio()
    {
        using var emu = new Emu();
        ulong src = emu.Map(2 * Pmd), dst = emu.Map(2 * Pmd);
        emu.Backend.Madvise(0, src, 2 * Pmd * Emu.P, Advice.HugePage);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, dst, 2 * Pmd * Emu.P, Missing);
        emu.Touch(src, write: true, value: 1);
        emu.Touch(src + Pmd * Emu.P, write: true, value: 2);
        var mm = emu.System.Mms[0];
        ulong head = mm.Tables.Walk(src, PageLevel.Pmd, false).Entry.Frame;
        Assert.Equal("2097152", emu.Backend.Move(0, u, dst, src, Pmd * Emu.P, 0).ToString());
        var leaf = mm.Tables.Walk(dst, PageLevel.Pmd, false).Entry;
        Assert.Equal(EntryKind.Page, leaf.Kind);
        Assert.Equal(head, leaf.Frame);
        Assert.True(mm.Tables.Walk(src, PageLevel.Pmd, false).Entry.IsNone);

        long used = emu.System.Memory.UsedFrames;
        ulong second = mm.Tables.Walk(src + Pmd * Emu.P, PageLevel.Pmd, false).Entry.Frame;
        Assert.Equal("4096", emu.Backend.Move(0, u, dst + Pmd * Emu.P, src + Pmd * Emu.P, Emu.P, 0).ToString());
        Assert.Equal(0, emu.System.Memory[second].Order);
        Assert.Equal(1, emu.System.Memory[second].RefCount);
        // The split maps the zero-filled subpages (all but the first) to the zero page and frees them.
        Assert.Equal(0, emu.System.Memory[second + 1].RefCount);
        Assert.True(emu.System.Zero.IsZero(mm.Tables.Walk(src + (Pmd + 1) * Emu.P, PageLevel.Pte, false).Entry.Frame));
        Assert.Equal(used + 1 - (long)(Pmd - 1), emu.System.Memory.UsedFrames); // plus the dst PTE table (the split takes the one deposited at the fault); nothing copied
        Assert.Equal("ok 0x02", emu.Touch(dst + Pmd * Emu.P));
        Assert.Equal("ok", emu.Backend.Munmap(0, src, 2 * Pmd * Emu.P).ToString());
        Assert.Equal(513, mm.AnonRss);
    }
}
