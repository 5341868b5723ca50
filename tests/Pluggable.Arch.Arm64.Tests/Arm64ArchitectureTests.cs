using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;

namespace Pluggable.Arch.Arm64.Tests;

public sealed class Arm64ArchitectureTests
{
    private static Architecture Create(string granule, string va) =>
        new Arm64Plugin().Create(new Dictionary<string, string> { ["granule"] = granule, ["va"] = va });

    [Fact]
    public void Granule_4k_va_48_has_four_levels_with_the_p4d_folded()
    {
        var g = Create("4k", "48").Geometry;
        Assert.Equal("page 4K, pgd 39/512, pud 30/512, pmd 21/512, pte 12/512, va 48 bits, folded: p4d", g.ToString());
        Assert.Equal(1UL << 48, g.TaskSize);
    }

    [Fact]
    public void Granule_4k_va_39_has_three_levels_with_the_pud_folded_into_the_pgd()
    {
        var g = Create("4k", "39").Geometry;
        Assert.Equal("page 4K, pgd 30/512, pmd 21/512, pte 12/512, va 39 bits, folded: p4d pud", g.ToString());
        Assert.Equal(30, g[PageLevel.Pud].Shift);
        Assert.Equal(1UL << 39, g.TaskSize);
    }

    [Theory]
    [InlineData("16k", "page 16K, pgd 47/2, pud 36/2048, pmd 25/2048, pte 14/2048, va 48 bits, folded: p4d")]
    [InlineData("64k", "page 64K, pgd 42/64, pmd 29/8192, pte 16/8192, va 48 bits, folded: p4d pud")]
    public void Larger_granules_follow_the_level_formulas(string granule, string geometry) =>
        Assert.Equal(geometry, Create(granule, "48").Geometry.ToString());

    [Theory]
    [InlineData("4k", "48", "1G (pud leaf), 32M (contiguous pmd run), 2M (pmd leaf, thp), 64K (contiguous pte run)")]
    [InlineData("4k", "39", "1G (pgd leaf), 32M (contiguous pmd run), 2M (pmd leaf, thp), 64K (contiguous pte run)")]
    [InlineData("16k", "48", "1G (contiguous pmd run), 32M (pmd leaf, thp), 2M (contiguous pte run)")]
    [InlineData("64k", "48", "16G (contiguous pmd run), 512M (pmd leaf, thp), 2M (contiguous pte run)")]
    public void Huge_page_sizes_are_registered_pud_cont_pmd_pmd_cont_pte(string granule, string va, string sizes)
    {
        var arch = Create(granule, va);
        Assert.Equal(sizes, string.Join(", ", arch.HugePageSizes));
        Assert.Equal(arch.Geometry.PmdShift, arch.DefaultHugePage!.Shift);
        Assert.True(arch.RunNeedsBreakBeforeMake);
    }

    [Theory]
    [InlineData("4k", "48")]
    [InlineData("4k", "39")]
    [InlineData("16k", "48")]
    [InlineData("64k", "48")]
    public void Every_offered_configuration_passes_the_validator(string granule, string va) =>
        ArchitectureValidator.Validate(Create(granule, va));

    [Theory]
    [InlineData("16k")]
    [InlineData("64k")]
    public void Va_39_needs_the_4k_granule(string granule) =>
        Assert.Throws<ArgumentException>(() => Create(granule, "39"));

    [Fact]
    public void Capabilities_have_uffd_wp_but_no_soft_dirty()
    {
        var caps = Create("4k", "48").Capabilities;
        Assert.Equal("thp uffd-wp uffd-minor gup-fast pte-special exec-only", caps.ToString());
    }

    [Fact]
    public void An_executable_page_syncs_the_caches_once_until_the_dcache_is_flushed()
    {
        var arch = Create("4k", "48");
        var ctx = new RecordingContext();
        var exec = PageEntry.Page(7, EntryFlags.User | EntryFlags.Exec | EntryFlags.Young);

        arch.PrepareSetEntry(ctx, PageLevel.Pte, 0x1000, exec);
        arch.PrepareSetEntry(ctx, PageLevel.Pte, 0x1000, exec);
        Assert.Single(ctx.Events, e => e.Detail == "sync I/D cache");
        Assert.True(ctx.GetArchFlag(7));

        arch.FlushDcachePage(ctx, 7);
        Assert.False(ctx.GetArchFlag(7));
        arch.PrepareSetEntry(ctx, PageLevel.Pte, 0x1000, exec);
        Assert.Equal(2, ctx.Events.Count(e => e.Detail == "sync I/D cache"));
    }

    [Theory]
    [InlineData(EntryFlags.User | EntryFlags.Young)]
    [InlineData(EntryFlags.User | EntryFlags.Exec | EntryFlags.Special)]
    [InlineData(EntryFlags.Exec | EntryFlags.ProtNone)]
    public void Non_executable_special_and_prot_none_pages_need_no_sync(EntryFlags flags)
    {
        var ctx = new RecordingContext();
        Create("4k", "48").PrepareSetEntry(ctx, PageLevel.Pte, 0x1000, PageEntry.Page(7, flags));
        Assert.Empty(ctx.Events);
        Assert.False(ctx.GetArchFlag(7));
    }

    [Fact]
    public void Range_flushes_go_per_stride_below_max_tlbi_ops_and_whole_asid_from_it()
    {
        var arch = Create("4k", "48");
        var ctx = new RecordingContext();
        arch.FlushTlbRange(ctx, 0, 16UL << 12, 12);
        arch.FlushTlbRange(ctx, 0, 512UL << 12, 12);
        arch.FlushTlbPage(ctx, 0);
        Assert.Equal(
            ["tlbi vae1is per stride (16 x 4K)", "tlbi aside1is (512 strides >= MAX_TLBI_OPS 512)", "tlbi vale1is"],
            ctx.Events.Select(e => e.Detail));
    }
}
