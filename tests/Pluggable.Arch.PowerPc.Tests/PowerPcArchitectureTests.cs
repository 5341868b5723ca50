using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc.Tests;

/// <summary>
/// Geometry, huge page sizes and capabilities per configuration, against the Linux 6.1 headers:
/// arch/powerpc/include/asm/book3s/64/hash-4k.h, hash-64k.h, radix-4k.h, radix-64k.h (index sizes),
/// asm/task_size_64.h (TASK_SIZE_USER64), arch/powerpc/mm/hugetlbpage.c (huge_pte_alloc placement).
/// </summary>
public sealed class PowerPcArchitectureTests
{
    internal static readonly (string Mmu, string Page)[] All = [("hash", "4k"), ("hash", "64k"), ("radix", "4k"), ("radix", "64k"), ("8xx", "4k")];

    public static TheoryData<string, string> Configurations
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (mmu, page) in All)
                data.Add(mmu, page);
            return data;
        }
    }

    internal static Architecture Create(string mmu, string page) =>
        new PowerPcPlugin().Create(new Dictionary<string, string> { ["mmu"] = mmu, ["page"] = page });

    // hash-4k.h: H_PTE_INDEX_SIZE 9, H_PMD_INDEX_SIZE 7, H_PUD_INDEX_SIZE 9, H_PGD_INDEX_SIZE 9.
    [Fact]
    public void Hash_4k_maps_2M_per_pmd_256M_per_pud_128G_per_pgd_and_64TB_in_all()
    {
        var g = Create("hash", "4k").Geometry;
        Assert.Equal("page 4K, pgd 37/512, pud 28/512, pmd 21/128, pte 12/512, va 46 bits, folded: p4d", g.ToString());
        Assert.Equal(1UL << 46, g.TaskSize);
        Assert.True(g.BigEndian);
        Assert.Equal(8, g.EntryBytes);
    }

    // hash-64k.h: H_PTE_INDEX_SIZE 8, H_PMD_INDEX_SIZE 10, H_PUD_INDEX_SIZE 10, H_PGD_INDEX_SIZE 8.
    [Fact]
    public void Hash_64k_maps_16M_per_pmd_and_16G_per_pud()
    {
        var g = Create("hash", "64k").Geometry;
        Assert.Equal("page 64K, pgd 44/256, pud 34/1024, pmd 24/1024, pte 16/256, va 52 bits, folded: p4d", g.ToString());
        Assert.Equal(1UL << 52, g.TaskSize);
    }

    // radix-4k.h: RADIX_PTE_INDEX_SIZE 9, PMD 9, PUD 9, PGD 13.
    [Fact]
    public void Radix_4k_has_a_13_bit_pgd_and_keeps_the_64TB_task_size()
    {
        var g = Create("radix", "4k").Geometry;
        Assert.Equal("page 4K, pgd 39/8192, pud 30/512, pmd 21/512, pte 12/512, va 52 bits, folded: p4d", g.ToString());
        Assert.Equal(1UL << 46, g.TaskSize);
    }

    // radix-64k.h: RADIX_PTE_INDEX_SIZE 5, PMD 9, PUD 9, PGD 13.
    [Fact]
    public void Radix_64k_has_a_32_entry_pte_table_under_the_same_2M_pmd()
    {
        var g = Create("radix", "64k").Geometry;
        Assert.Equal("page 64K, pgd 39/8192, pud 30/512, pmd 21/512, pte 16/32, va 52 bits, folded: p4d", g.ToString());
        Assert.Equal(1UL << 52, g.TaskSize);
    }

    [Theory]
    [InlineData("hash", "4k", "16M (hugepd at pud), 16G (hugepd at pgd)", 24)]
    [InlineData("hash", "64k", "16M (pmd leaf, thp), 16G (pud leaf)", 24)]
    [InlineData("radix", "4k", "2M (pmd leaf, thp), 1G (pud leaf)", 21)]
    [InlineData("radix", "64k", "2M (pmd leaf, thp), 1G (pud leaf)", 21)]
    public void Huge_page_sizes_follow_check_and_get_huge_psize_and_the_pdshift_ladder(string mmu, string page, string sizes, int defaultShift)
    {
        var arch = Create(mmu, page);
        Assert.Equal(sizes, string.Join(", ", arch.HugePageSizes));
        Assert.Equal(defaultShift, arch.DefaultHugePage!.Shift);
    }

    [Theory]
    [InlineData("hash", "4k", "gup-fast pte-special soft-dirty exec-only-fault")]
    [InlineData("hash", "64k", "thp gup-fast pte-special soft-dirty exec-only-fault")]
    [InlineData("radix", "4k", "thp gup-fast pte-special soft-dirty exec-only")]
    [InlineData("radix", "64k", "thp gup-fast pte-special soft-dirty exec-only")]
    public void Capabilities_lack_uffd_wp_and_minor_and_thp_on_hash_4k(string mmu, string page, string caps) =>
        Assert.Equal(caps, Create(mmu, page).Capabilities.ToString());

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_offered_configuration_passes_the_validator(string mmu, string page) =>
        ArchitectureValidator.Validate(Create(mmu, page));

    [Theory]
    [InlineData("hash")]
    [InlineData("radix")]
    public void Book3S_64_has_no_16k_pages(string mmu) =>
        Assert.Throws<ArgumentException>(() => Create(mmu, "16k"));

    [Fact]
    public void The_plugin_models_6_1_and_answers_to_its_aliases()
    {
        var plugin = new PowerPcPlugin();
        Assert.Equal("Linux 6.1 (powerpc hugepd, last in 6.10)", ((IArchitecturePlugin)plugin).ModelledKernel);
        Assert.Equal(["ppc64", "ppc", "ppc64le"], plugin.Aliases);
        Assert.Equal("mmu=hash,page=4k", plugin.Create(new Dictionary<string, string>()).Configuration);
    }

    [Fact]
    public void Radix_range_flushes_go_per_page_up_to_the_ceiling_and_hash_flushes_nothing()
    {
        var ctx = new Pluggable.Arch.Testing.RecordingContext();
        var radix = Create("radix", "4k");
        radix.FlushTlbRange(ctx, 0, 33UL << 12, 12);
        radix.FlushTlbRange(ctx, 0, 34UL << 12, 12);
        Create("hash", "4k").FlushTlbRange(ctx, 0, 34UL << 12, 12);
        Create("hash", "4k").FlushTlbPage(ctx, 0);
        Assert.Equal(["tlbie va per page (33 x 4K)", "tlbie pid (34 pages > ceiling 33)"], ctx.Events.Select(e => e.Detail));
    }
}
