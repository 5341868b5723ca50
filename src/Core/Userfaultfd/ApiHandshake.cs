using Pluggable.Core.Arch;
using Pluggable.Core.Kernel;

namespace Pluggable.Core.Userfaultfd;

/// <summary>UFFDIO_API: version check and feature negotiation, once per context.</summary>
/// Kernel: userfaultfd_api() (fs/userfaultfd.c).
public static class ApiHandshake
{
    /// <summary>The features the modelled release supports on <paramref name="caps"/> (what UFFDIO_API reports).</summary>
    public static ulong Supported(ArchCapabilities caps, KernelBehaviour kernel)
    {
        ulong features = kernel.UffdFeatures;
        if (!caps.UffdMinor)
            features &= ~(UffdUapi.FeatureMinorHugetlbfs | UffdUapi.FeatureMinorShmem);
        if (!caps.UffdWp)
        {
            // PTE markers (CONFIG_PTE_MARKER_UFFD_WP) exist only where uffd-wp does.
            features &= ~(UffdUapi.FeaturePagefaultFlagWp | UffdUapi.FeatureWpHugetlbfsShmem
                | UffdUapi.FeatureWpUnpopulated | UffdUapi.FeatureWpAsync);
        }
        return features;
    }

    /// <summary>Runs the handshake; the caller is root, so EVENT_FORK never fails with EPERM here.</summary>
    public static Errno Negotiate(UffdContext ctx, ulong api, ulong requested, ArchCapabilities caps, KernelBehaviour kernel)
    {
        if (api != UffdUapi.Api)
            return Errno.EINVAL;
        if ((requested & UffdUapi.FeatureWpAsync) != 0)
            requested |= UffdUapi.FeatureWpUnpopulated;
        if ((requested & ~Supported(caps, kernel)) != 0)
            return Errno.EINVAL;
        if (ctx.Features != 0)
            return Errno.EINVAL;
        ctx.Features = requested | UffdUapi.FeatureInitialized;
        return Errno.None;
    }
}
