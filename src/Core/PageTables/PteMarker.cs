using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// PTE markers: swap-format entries of the reserved last swap type whose offset holds marker bits.
/// The plugin only encodes swap entries; what a marker means is generic.
/// </summary>
/// Kernel: include/linux/swapops.h (SWP_PTE_MARKER, PTE_MARKER_UFFD_WP, PTE_MARKER_POISONED, make_pte_marker()).
public static class PteMarker
{
    /// <summary>MAX_SWAPFILES_SHIFT is 5; the marker type is the last of the 32.</summary>
    public const byte SwapType = 31;

    public const ulong UffdWp = 1;
    public const ulong Poisoned = 2;

    public static PageEntry Make(ulong bits) => PageEntry.SwapEntry(SwapType, bits, EntryFlags.None);

    public static bool IsMarker(in PageEntry entry) => entry.Kind == EntryKind.Swap && entry.SwapType == SwapType;

    public static bool IsUffdWp(in PageEntry entry) => IsMarker(entry) && (entry.Frame & UffdWp) != 0;

    public static bool IsPoisoned(in PageEntry entry) => IsMarker(entry) && (entry.Frame & Poisoned) != 0;

    /// <summary>Kernel: pte_none_mostly() — empty, or only a marker.</summary>
    public static bool IsNoneMostly(in PageEntry entry) => entry.Kind == EntryKind.None || IsMarker(entry);
}
