namespace Pluggable.HostKernel.Tests;

/// <summary>What the host backend tells <c>needs</c> lines, read from the live kernel.</summary>
public class HostFeaturesTests
{
    /// <summary>
    /// x86_64 selects HAVE_ARCH_USERFAULTFD_WP and _MINOR and has THP, so the host's UFFDIO_API
    /// answer keeps the wp and minor feature bits.
    /// </summary>
    [Fact]
    public void This_x86_64_kernel_offers_thp_uffd_wp_minor_faults_the_later_features_a_64_bit_address_space_odirect_and_numa()
    {
        HostRun.RequireHost();
        Assert.Equal(["thp", "uffd-wp", "uffd-minor", "uffd-wp-unpopulated", "uffd-wp-async", "uffd-poison", "uffd-move", "64bit", "odirect", "numa"], HostAvailability.Features());
    }

    [Fact]
    public void A_file_that_needs_them_runs_on_the_host()
    {
        HostRun.RequireHost();
        var run = HostRun.Of("needs thp uffd-wp uffd-minor page=4k => ok\nuffd u\n");
        Assert.True(run.ExitCode == 0, run.Err + run.Out);
        Assert.Equal("needs thp uffd-wp uffd-minor page=4k -> ok\nuffd u -> ok\nend -> ok\n", run.Out);
    }
}
