namespace Pluggable.Cli.Tests;

/// <summary>--kernel, the features listing and the VM backend's names, as a user types them.</summary>
public class ReleaseCommandTests
{
    [Fact]
    public void An_unmodelled_release_is_refused_with_the_modelled_ones()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), "--kernel", "6.13");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("pluggable: --kernel: expected one of 6.1, 6.12, 6.18, got '6.13'\n", run.Err);
    }

    [Fact]
    public void The_release_changes_what_userfaultfd_offers()
    {
        using var dir = new TempDir();
        var file = dir.File("a.scenario", "uffd u\nmmap a anon 1p\nregister u a 1p missing\n");
        Assert.Contains("register u a 1p missing -> ok ioctls=wake,copy,zeropage,move,poison", CliRun.Of("run", file).Out);
        Assert.Contains("register u a 1p missing -> ok ioctls=wake,copy,zeropage\n", CliRun.Of("run", file, "--kernel", "6.1").Out);
        Assert.Contains("uffd u features=move -> EINVAL", CliRun.Of("run", dir.File("b.scenario", "uffd u features=move\n"), "--kernel", "6.1").Out);
    }

    [Fact]
    public void Features_lists_what_a_release_offers_on_an_architecture()
    {
        var arm61 = CliRun.Of("features", "--arch", "arm64", "--kernel", "6.1");
        Assert.Equal(0, arm61.ExitCode);
        Assert.Contains("arm64 (granule=4k,va=48,epan=on) on Linux 6.1", arm61.Out);
        Assert.DoesNotContain("pagefault_flag_wp", arm61.Out);
        Assert.Contains("register modes:       missing, minor (shmem, hugetlb)", arm61.Out);
        var arm618 = CliRun.Of("features", "--arch", "arm64");
        Assert.Contains("pagefault_flag_wp", arm618.Out);
        Assert.Contains("anonymous, shmem:   wake copy zeropage move writeprotect continue poison", arm618.Out);
        Assert.Contains("hugetlb:            wake copy poison", CliRun.Of("features", "--arch", "powerpc:mmu=radix,page=4k").Out);
    }

    [Fact]
    public void Archs_lists_the_releases_and_the_vm_kernels()
    {
        var run = CliRun.Of("archs");
        Assert.Contains("Linux releases modelled (--kernel): 6.1, 6.12, 6.18 (default)", run.Out);
        Assert.Contains("vm:arm64-6.12 ", run.Out);
        Assert.Contains("built by build-hugepd-kernel", run.Out);
    }

    [Theory]
    [InlineData("--backend", "vm:arm64-5.10", "no VM kernel named 'arm64-5.10'; known: arm64-6.1")]
    [InlineData("--backend", "vmm", "unknown backend 'vmm'")]
    public void A_wrong_backend_name_says_what_there_is(string option, string value, string message)
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err);
    }
}
