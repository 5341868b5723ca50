using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Core.Kernel;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Cli;

/// <summary>
/// The text of <c>pluggable features</c>: what a release offers on an architecture, as the
/// emulator models it — the userfaultfd features UFFDIO_API reports, the register modes and the
/// ioctls UFFDIO_REGISTER answers per kind of memory, the huge page sizes and THP.
/// </summary>
internal static class FeaturesListing
{
    public static int Write(Architecture arch, LinuxVersion release, TextWriter output)
    {
        var kernel = new KernelBehaviour(release);
        var caps = arch.Capabilities.At(release);
        ulong features = ApiHandshake.Supported(caps, kernel);
        output.WriteLine($"{arch.Name} ({arch.Configuration}) on Linux {release}");
        output.WriteLine($"  userfaultfd features: {string.Join(" ", Names(features))}");
        var modes = new List<string> { "missing" };
        if (caps.UffdWp)
            modes.Add("wp");
        if (caps.UffdMinor)
            modes.Add("minor (shmem, hugetlb)");
        output.WriteLine($"  register modes:       {string.Join(", ", modes)}");
        ulong optional = (caps.UffdWp ? 1UL << UffdUapi.IoctlWriteProtect : 0) | (caps.UffdMinor ? 1UL << UffdUapi.IoctlContinue : 0);
        ulong always = ~((1UL << UffdUapi.IoctlWriteProtect) | (1UL << UffdUapi.IoctlContinue));
        output.WriteLine($"  ioctls after register (writeprotect with wp, continue with minor):");
        output.WriteLine($"    anonymous, shmem:   {Ioctls(UffdUapi.RangeIoctls & kernel.RangeIoctls & (always | optional))}");
        output.WriteLine($"    hugetlb:            {Ioctls(UffdUapi.RangeIoctlsBasic & kernel.RangeIoctls & (always | optional))}");
        var huge = arch.HugePageSizes.Count == 0 ? "none" : string.Join(", ", arch.HugePageSizes);
        output.WriteLine($"  huge pages:           {huge}{(arch.DefaultHugePage is { } d ? $"; default {HugePageSize.Format(d.Size)}" : "")}");
        output.WriteLine($"  transparent huge pages: {(caps.Thp ? "yes" : "no")}");
        return 0;
    }

    private static IEnumerable<string> Names(ulong features)
    {
        for (int bit = 0; bit < UffdUapi.FeatureNames.Length; bit++)
        {
            if ((features & (1UL << bit)) != 0)
                yield return UffdUapi.FeatureNames[bit];
        }
    }

    private static string Ioctls(ulong bits) => UffdUapi.FormatIoctls(bits)["ioctls=".Length..].Replace(",", " ", StringComparison.Ordinal);
}
