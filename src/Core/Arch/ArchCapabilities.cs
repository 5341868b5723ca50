namespace Pluggable.Core.Arch;

/// <summary>What the architecture supports; every flag has a harmless default.</summary>
/// Kernel: HAVE_ARCH_TRANSPARENT_HUGEPAGE, HAVE_ARCH_USERFAULTFD_WP/_MINOR, HAVE_FAST_GUP, ARCH_HAS_PTE_SPECIAL, HAVE_ARCH_SOFT_DIRTY.
public sealed record ArchCapabilities(
    bool Thp = false,
    bool UffdWp = false,
    bool UffdMinor = false,
    bool GupFast = true,
    bool PteSpecial = true,
    bool SoftDirty = false)
{
    public override string ToString()
    {
        var names = new List<string>();
        if (Thp) names.Add("thp");
        if (UffdWp) names.Add("uffd-wp");
        if (UffdMinor) names.Add("uffd-minor");
        if (GupFast) names.Add("gup-fast");
        if (PteSpecial) names.Add("pte-special");
        if (SoftDirty) names.Add("soft-dirty");
        return string.Join(" ", names);
    }
}
