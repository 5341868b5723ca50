using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64.Tests;

public sealed class X86_64ArchitectureTests
{
    private static readonly X86_64Architecture FourLevel = new(4);
    private static readonly X86_64Architecture FiveLevel = new(5);

    [Fact]
    public void Four_level_paging_folds_p4d_into_the_pgd()
    {
        var g = FourLevel.Geometry;
        Assert.Equal(
            [(39, 512, false), (39, 1, true), (30, 512, false), (21, 512, false), (12, 512, false)],
            g.Levels.Select(l => (l.Shift, l.Entries, l.Folded)));
        Assert.Equal(48, g.VaBits);
        Assert.Equal(0x7FFF_FFFF_F000UL, g.TaskSize);
        Assert.Equal("page 4K, pgd 39/512, pud 30/512, pmd 21/512, pte 12/512, va 48 bits, folded: p4d", g.ToString());
    }

    [Fact]
    public void Five_level_paging_adds_a_real_p4d()
    {
        var g = FiveLevel.Geometry;
        Assert.Equal(
            [(48, 512, false), (39, 512, false), (30, 512, false), (21, 512, false), (12, 512, false)],
            g.Levels.Select(l => (l.Shift, l.Entries, l.Folded)));
        Assert.Equal(57, g.VaBits);
        Assert.Equal(0x00FF_FFFF_FFFF_F000UL, g.TaskSize);
    }

    [Fact]
    public void Entries_are_eight_bytes_little_endian()
    {
        Assert.Equal(8, FourLevel.Geometry.EntryBytes);
        Assert.False(FourLevel.Geometry.BigEndian);
        Assert.Equal(4096, FourLevel.Geometry.TableBytes(PageLevel.Pmd));
    }

    [Fact]
    public void Huge_pages_are_1G_then_2M_with_2M_the_default()
    {
        Assert.Equal(["1G (pud leaf)", "2M (pmd leaf, thp)"], FourLevel.HugePageSizes.Select(h => h.ToString()));
        Assert.Equal(21, FourLevel.DefaultHugePage!.Shift);
    }

    [Fact]
    public void Capabilities_are_all_present()
    {
        Assert.Equal("thp uffd-wp uffd-minor gup-fast pte-special soft-dirty exec-only-pkey", FourLevel.Capabilities.ToString());
        Assert.Equal(1, FourLevel.ZeroPageCount);
    }

    [Theory]
    [InlineData(EntryFlags.User, false, true)]
    [InlineData(EntryFlags.User, true, false)]
    [InlineData(EntryFlags.User | EntryFlags.Write, true, true)]
    [InlineData(EntryFlags.Write, false, false)]
    [InlineData(EntryFlags.User | EntryFlags.Write | EntryFlags.ProtNone, false, false)]
    public void Access_needs_present_user_and_rw_for_writes(EntryFlags flags, bool write, bool permitted) =>
        Assert.Equal(permitted, FourLevel.AccessPermitted(PageEntry.Page(1, flags), write));

    // The kernel rejects only an end with a bit at or above __VIRTUAL_MASK_SHIFT set, so the guard page
    // between TaskSize and 2^47 still passes.
    [Theory]
    [InlineData(4, 0x7FFF_FFFF_F000UL, true)]
    [InlineData(4, 0x8000_0000_0000UL - 1, true)]
    [InlineData(4, 0x8000_0000_0000UL, false)]
    [InlineData(5, 0x8000_0000_0000UL, true)]
    [InlineData(5, 0x0100_0000_0000_0000UL, false)]
    public void Gup_fast_stops_at_the_top_of_the_user_half(int levels, ulong end, bool permitted) =>
        Assert.Equal(permitted, new X86_64Architecture(levels).GupFastPermitted(0, end));

    [Theory]
    [InlineData(33, 12, "invlpg per page (33 x 4K)")]
    [InlineData(34, 12, "full flush (34 pages > ceiling 33)")]
    [InlineData(8, 21, "invlpg per page (8 x 2M)")]
    public void Range_flushes_switch_to_a_full_flush_above_the_ceiling(int strides, int strideShift, string note)
    {
        var ctx = new RecordingContext();
        ulong start = 1UL << 30;
        FourLevel.FlushTlbRange(ctx, start, start + ((ulong)strides << strideShift), strideShift);
        var e = Assert.Single(ctx.Events);
        Assert.Equal("flush_tlb_range", e.Hook);
        Assert.Equal(note, e.Detail);
    }

    [Fact]
    public void Tlb_hooks_annotate_the_trace_and_cache_hooks_keep_the_generic_no_ops()
    {
        var ctx = new RecordingContext();
        FourLevel.FlushTlbPage(ctx, 0x1000);
        FourLevel.FlushTlbMm(ctx);
        FourLevel.FlushDcachePage(ctx, 7);
        FourLevel.UpdateMmuCache(ctx, 0x1000, PageLevel.Pte, PageEntry.Page(7, EntryFlags.User));
        Assert.Equal(
            ["flush_tlb_page: invlpg 1 page", "flush_tlb_mm: full flush"],
            ctx.Events.Select(e => $"{e.Hook}: {e.Detail}"));
        Assert.False(ctx.GetArchFlag(7));
    }

    [Fact]
    public void Hooks_record_nothing_when_tracing_is_off()
    {
        var ctx = new RecordingContext(tracing: false);
        FourLevel.FlushTlbRange(ctx, 0, 1UL << 30, 12);
        FourLevel.FlushDcachePage(ctx, 1);
        Assert.Empty(ctx.Events);
    }

    [Fact]
    public void Only_4_or_5_levels_exist() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new X86_64Architecture(3));
}
