namespace Pluggable.Core.Tests;

public class AnonymousMemoryTests
{
    [Fact]
    public void Read_maps_the_zero_page_and_write_a_private_page()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        Assert.Equal("ok 0x00", emu.Touch(a));
        Assert.Equal("ok", emu.Touch(a + Emu.P, write: true, value: 0x5a));
        Assert.Equal("ok 0x5a", emu.Touch(a + Emu.P));
        Assert.Equal("present+zero,present+exclusive,-,-", emu.Pagemap(a, 4));
    }

    [Fact]
    public void Writing_the_zero_page_copies_on_write()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a);
        Assert.Equal("ok", emu.Touch(a, write: true, value: 7));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
    }

    [Fact]
    public void Fork_shares_pages_until_either_side_writes()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        emu.Touch(a, write: true, value: 0x11);
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal("present", emu.Pagemap(a, 1));
        Assert.Equal("present", emu.Pagemap(a, 1, child));
        Assert.Equal("ok", emu.Touch(a, write: true, value: 0x22, process: child));
        Assert.Equal("ok 0x11", emu.Touch(a));
        Assert.Equal("ok 0x22", emu.Touch(a, process: child));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1, child));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
    }

    [Fact]
    public void Munmap_returns_every_frame_and_table()
    {
        using var emu = new Emu();
        long before = emu.System.Memory.UsedFrames;
        ulong a = emu.Map(16);
        for (ulong i = 0; i < 16; i++)
            emu.Touch(a + i * Emu.P, write: true);
        Assert.True(emu.System.Memory.UsedFrames >= before + 16);
        Assert.Equal("ok", emu.Backend.Munmap(0, a, 16 * Emu.P).ToString());
        Assert.Equal(before, emu.System.Memory.UsedFrames);
        Assert.Equal("SIGSEGV", emu.Touch(a));
    }

    [Fact]
    public void Mprotect_read_only_makes_writes_fault_and_back()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        emu.Touch(a, write: true);
        Assert.Equal("ok", emu.Backend.Mprotect(0, a, Emu.P, Mm.Protection.Read).ToString());
        Assert.Equal("SIGSEGV", emu.Touch(a, write: true));
        Assert.Equal("ok", emu.Touch(a + Emu.P, write: true));
        Assert.Equal("ok", emu.Backend.Mprotect(0, a, Emu.P, Mm.Protection.Read | Mm.Protection.Write).ToString());
        Assert.Equal("ok", emu.Touch(a, write: true, value: 3));
        Assert.Single(emu.System.Mms[0].Vmas.All);
    }

    [Fact]
    public void Dontneed_drops_pages_and_a_later_read_sees_zeroes()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        emu.Touch(a, write: true, value: 9);
        Assert.Equal("ok", emu.Backend.Madvise(0, a, 2 * Emu.P, Mm.Advice.DontNeed).ToString());
        Assert.Equal("-,-", emu.Pagemap(a, 2));
        Assert.Equal("ok 0x00", emu.Touch(a));
    }

    [Fact]
    public void A_huge_sparse_mapping_costs_nothing_until_touched()
    {
        using var emu = new Emu();
        long before = emu.System.Memory.UsedFrames;
        Assert.Equal("ok", emu.Backend.Memfd(0, "f", false, 1UL << 44).ToString());
        var r = emu.Backend.Mmap(0, new Scenarios.MmapRequest("f", 1UL << 44, true, Mm.Protection.Read | Mm.Protection.Write, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        Assert.Equal(before + 1, emu.System.Memory.UsedFrames); // the VMA's slab share
        emu.Touch(a + (1UL << 43), write: true);
        Assert.InRange(emu.System.Memory.UsedFrames, before + 2, before + 8); // the page, its tables, cache nodes
        Assert.Equal("ok", emu.Backend.Munmap(0, a, 1UL << 44).ToString());
        Assert.Equal(before + 2, emu.System.Memory.UsedFrames); // the page and its cache nodes stay in the file
    }
}
