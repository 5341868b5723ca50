using Pluggable.Core.Scenarios;

namespace Pluggable.Scenarios.Tests;

/// <summary>What lets one file run on every architecture: <c>needs</c> lines, the <c>pmd</c> unit, and expectations in the architecture's units.</summary>
public class PortableScenarioTests
{
    [Fact]
    public void A_size_the_architecture_lacks_skips_the_file_and_says_which()
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64);
        var run = Run.Text("needs page=4k => ok\nuffd u\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal(["needs page=4k -> skipped", "end -> skipped"], run.Lines);
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public void The_skip_reason_names_the_size_the_architecture_has()
    {
        var needs = new NeedsCommand([("pmd", SizeExpr.Bytes(2UL << 20) with { Text = "2m" })]);
        Assert.Equal("needs pmd=2m, and arm64 here has pmd=512m", ScenarioInterpreter.Unmet(needs, FakeBackend.Arm64K64));
        Assert.Null(ScenarioInterpreter.Unmet(needs, FakeBackend.X86));
    }

    [Fact]
    public void A_feature_the_kernel_lacks_skips_the_file()
    {
        var noWp = FakeBackend.X86 with { Features = ["thp", "uffd-minor"] };
        var needs = new NeedsCommand([], ["uffd-minor", "uffd-wp"]);
        Assert.Equal("needs uffd-wp, which x86_64 here does not have", ScenarioInterpreter.Unmet(needs, noWp));
        Assert.Null(ScenarioInterpreter.Unmet(needs, noWp with { Features = ["uffd-wp", "uffd-minor"] }));

        var backend = new FakeBackend(noWp);
        var run = Run.Text("needs thp uffd-wp page=4k => ok\nuffd u\n", backend);
        Assert.Equal(["needs thp uffd-wp page=4k -> skipped", "end -> skipped"], run.Lines);
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public void Met_requirements_run_the_file()
    {
        var run = Run.Text("needs page=4k hugepage=2m pmd=2m => ok\nuffd u\n", new FakeBackend());
        Assert.Equal(0, run.Exit);
        Assert.Equal(["needs page=4k hugepage=2m pmd=2m -> ok", "uffd u -> ok", "end -> ok"], run.Lines);
    }

    [Theory]
    [InlineData("needs\n", "1:6: error: expected a requirement (thp, uffd-wp, uffd-minor, 64bit, page=SIZE, hugepage=SIZE, pmd=SIZE, pool=SIZE or linux>=VERSION), found end of line")]
    [InlineData("needs uffd_wp\n", "did you mean 'uffd-wp'?")]
    [InlineData("needs page=1p\n", "1:12: error: expected a size in bytes, k, m or g, found '1p'")]
    [InlineData("needs pages=4k\n", "did you mean 'page=4k'?")]
    [InlineData("needs page=4k page=4k\n", "expected 'page=' once")]
    public void A_bad_requirement_is_a_parse_error(string text, string error)
    {
        var run = Run.Text(text, new FakeBackend());
        Assert.Equal(2, run.Exit);
        Assert.Contains(error, run.Stderr);
    }

    [Theory]
    [InlineData(4096UL, "copy u a b 2p => 2p", 8192L)]
    [InlineData(65536UL, "copy u a b 2p => 2p", 131072L)]
    [InlineData(65536UL, "copy u a b 1pmd => 1pmd", 512L << 20)]
    [InlineData(65536UL, "copy u a b 1hp => 1hp", 512L << 20)]
    public void An_expected_byte_count_in_pages_follows_the_architecture(ulong pageSize, string line, long bytes)
    {
        var facts = pageSize == 4096 ? FakeBackend.X86 : FakeBackend.Arm64K64;
        var backend = new FakeBackend(facts).On("Copy", CommandResult.FromBytes(bytes));
        var run = Run.Text($"uffd u\nmmap a anon 1hp\nmmap b anon 1hp\n{line}\n", backend);
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains($"-> {bytes}", run.Stdout);
    }

    [Theory]
    [InlineData("=> 1p", 8192L)]
    [InlineData("=> EAGAIN after 1p", 4096L)]
    [InlineData("=> 4k", 8192L)]
    public void A_byte_count_of_another_size_still_fails(string expectation, long bytes)
    {
        var backend = new FakeBackend().On("Copy", CommandResult.FromBytes(bytes));
        var run = Run.Text($"uffd u\nmmap a anon 4p\nmmap b anon 4p\ncopy u a b 2p {expectation}\n", backend);
        Assert.Equal(1, run.Exit);
    }

    [Theory]
    [InlineData(4096UL, "=> 2m", 2L << 20)]
    [InlineData(65536UL, "=> 2m", 2L << 20)]
    public void An_expected_byte_count_in_bytes_matches_the_decimal_count(ulong pageSize, string expectation, long bytes)
    {
        var facts = pageSize == 4096 ? FakeBackend.X86 : FakeBackend.Arm64K64;
        var backend = new FakeBackend(facts).On("Copy", CommandResult.FromBytes(bytes));
        var run = Run.Text($"uffd u\nmmap a anon 4m\nmmap b anon 4m\ncopy u a b 2m {expectation}\n", backend);
        Assert.True(run.Exit == 0, run.Stderr);
    }

    [Theory]
    [InlineData("a+2m", "a+512p", "x86_64", true)]
    [InlineData("a+2m", "a+32p", "arm64", true)]
    [InlineData("a+1hp+0x10", "a+8192p+0x10", "arm64", true)]
    [InlineData("a+2m", "a+32p", "x86_64", false)]
    [InlineData("a+2m", "b+512p", "x86_64", false)]
    [InlineData("a+2m", "a+512p+0x1", "x86_64", false)]
    public void An_expected_address_matches_the_printed_one_with_the_same_label_and_offset(string expected, string printed, string arch, bool holds)
    {
        var facts = arch == "x86_64" ? FakeBackend.X86 : FakeBackend.Arm64K64;
        Assert.Equal(holds, ExpectationText.Holds($"pagefault {expected} write", $"pagefault {printed} write", facts));
    }

    [Theory]
    [InlineData("x86_64", "ok")]
    [InlineData("arm64", "EINVAL")]
    public void An_architecture_with_its_own_answer_is_held_to_it(string arch, string answer)
    {
        var facts = arch == "x86_64" ? FakeBackend.X86 : FakeBackend.Arm64K64;
        var backend = new FakeBackend(facts).On("UffdCreate", answer == "ok" ? CommandResult.Ok() : CommandResult.Error(Pluggable.Core.Errno.EINVAL));
        var run = Run.Text("uffd u => ok || aarch64: EINVAL || riscv64: EPERM\n", backend);
        Assert.True(run.Exit == 0, run.Stderr);

        var wrong = new FakeBackend(facts).On("UffdCreate", answer == "ok" ? CommandResult.Error(Pluggable.Core.Errno.EINVAL) : CommandResult.Ok());
        Assert.Equal(1, Run.Text("uffd u => ok || aarch64: EINVAL\n", wrong).Exit);
    }

    [Theory]
    [InlineData("uffd u => ok || arm64:granule=4k: EPERM || arm64:granule=64k,va=48: EINVAL\n", 0)]
    [InlineData("uffd u => ok || arm64:granule=64k: EPERM || arm64: EINVAL\n", 1)]
    public void An_alternative_may_name_a_configuration(string text, int exit)
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64).On("UffdCreate", CommandResult.Error(Pluggable.Core.Errno.EINVAL));
        Assert.Equal(exit, Run.Text(text, backend).Exit);
    }

    [Fact]
    public void Default_hugepagesz_picks_the_size_of_the_architecture_and_changes_what_hp_means()
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64);
        var run = Run.Text("default_hugepagesz 1g || x86_64: 2m || arm64:granule=64k: 2m || arm64: 64k => ok\nmemfd h hugetlb 4hp\nmemfd s shmem 1hp\nhugepages 1hp 3\n", backend);

        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal(["Memfd(0, h, True, 0x800000, page=0x200000)", "Memfd(0, s, False, 0x200000)", "Hugepages(0x200000, 3)"], backend.Calls);
    }

    [Fact]
    public void Default_hugepagesz_of_a_size_the_kernel_has_no_pool_for_is_EINVAL_and_changes_nothing()
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64);
        var run = Run.Text("default_hugepagesz 64k => EINVAL\nmemfd h hugetlb 1hp\n", backend);

        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal("Memfd(0, h, True, 0x20000000)", Assert.Single(backend.Calls));
    }

    [Theory]
    [InlineData("default_hugepagesz\n", "expected a huge page size")]
    [InlineData("default_hugepagesz 2hp\n", "expected a size in bytes, k, m or g")]
    [InlineData("default_hugepagesz 2m arm64: 64k\n", "expected '||' before another architecture's size")]
    [InlineData("default_hugepagesz 2m || arm64 64k\n", "expected an architecture and a colon")]
    [InlineData("in c default_hugepagesz 2m\n", "error: expected")]
    public void A_malformed_default_hugepagesz_is_a_parse_error(string text, string message)
    {
        var run = Run.Text(text, new FakeBackend());
        Assert.Equal(2, run.Exit);
        Assert.Contains(message, run.Stderr);
    }

    [Theory]
    [InlineData("uffd u => ok || EINVAL\n")]
    [InlineData("uffd u => ok || arm64:\n")]
    [InlineData("uffd u =>  || arm64: ok\n")]
    public void A_malformed_alternative_is_a_parse_error(string text)
    {
        var run = Run.Text(text, new FakeBackend());
        Assert.Equal(2, run.Exit);
        Assert.Contains("error: expected", run.Stderr);
    }

    [Fact]
    public void A_hugetlb_memfd_names_its_huge_page_size()
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64);
        var run = Run.Text("memfd h hugetlb 4m page=2m\nmemfd n hugetlb 3m page=3m\n", backend);
        Assert.Equal("Memfd(0, h, True, 0x400000, page=0x200000)", Assert.Single(backend.Calls));
        Assert.Equal("memfd n hugetlb 3m page=3m -> error: page=3m: a huge page size is a power of two", run.Lines[1]);
        Assert.Equal(2, run.Exit);
    }

    [Fact]
    public void Only_a_hugetlb_memfd_takes_a_page_size()
    {
        var run = Run.Text("memfd s shmem 4m page=2m\n", new FakeBackend());
        Assert.Equal(2, run.Exit);
        Assert.Contains("1:18: error: expected end of line, found 'page=2m'", run.Stderr);
    }

    [Fact]
    public void The_pmd_unit_is_the_size_one_pmd_entry_maps()
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64);
        Run.Text("mmap a anon 1pmd\n", backend);
        Assert.Contains("0x20000000", string.Join("\n", backend.Calls));
    }
}
