using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>
/// Whether anonymous memory may be mapped by a PMD-sized transparent huge page: the architecture
/// has a transparent leaf at the PMD level, the policy and the VMA's hints allow it, and the
/// PMD-aligned block around the address lies inside the VMA.
/// </summary>
/// Kernel: thp_vma_allowable_order() / __thp_vma_allowable_orders(), thp_vma_suitable_order() (mm/huge_memory.c, include/linux/huge_mm.h).
public static class Thp
{
    /// <summary>The transparent huge page size the architecture maps by one PMD leaf, or null.</summary>
    /// Kernel: HAVE_ARCH_TRANSPARENT_HUGEPAGE + HPAGE_PMD_ORDER.
    public static HugePageSize? PmdSize(MemorySystem system)
    {
        if (!system.Capabilities.Thp || system.Geometry[PageLevel.Pmd].Folded)
            return null;
        var sizes = system.Arch.HugePageSizes;
        for (int i = 0; i < sizes.Count; i++)
        {
            var size = sizes[i];
            if (size.Transparent && size.Placement == HugePlacement.Leaf && size.Level == PageLevel.Pmd && size.Shift == system.Geometry.PmdShift)
                return size;
        }
        return null;
    }

    /// <summary>Kernel: HPAGE_PMD_ORDER.</summary>
    public static int PmdOrder(MemorySystem system) => system.Geometry.PmdShift - system.PageShift;

    /// <summary>Kernel: HPAGE_PMD_NR.</summary>
    public static ulong PmdPages(MemorySystem system) => 1UL << PmdOrder(system);

    /// <summary>
    /// The policy check of the fault path (sysfs enforced) or of MADV_COLLAPSE (sysfs ignored, but
    /// the VMA must already have anonymous memory).
    /// </summary>
    /// Kernel: __thp_vma_allowable_orders() with TVA_IN_PF|TVA_ENFORCE_SYSFS, or with no flags for madvise_collapse().
    public static bool VmaAllowed(MemorySystem system, Vma vma, bool inFault)
    {
        if (PmdSize(system) is null || !vma.IsAnonymous || vma.IsShared || vma.Has(VmFlags.NoHugePage))
            return false;
        if (inFault)
        {
            return system.Thp switch
            {
                ThpPolicy.Always => true,
                ThpPolicy.Madvise => vma.Has(VmFlags.HugePage),
                _ => false,
            };
        }
        return HoldsAlignedBlock(system, vma) && vma.AnonVma != 0;
    }

    /// <summary>
    /// Whether the VMA can be mapped by PMD-sized folios at all outside a fault: the last
    /// PMD-aligned block ending in it lies wholly inside it, and a file VMA's pages sit at the same
    /// offset within a block in the file as in the address space.
    /// </summary>
    /// Kernel: the thp_vma_suitable_order() filter of __thp_vma_allowable_orders() without TVA_IN_PF.
    public static bool HoldsAlignedBlock(MemorySystem system, Vma vma)
    {
        ulong pmd = system.Geometry.PmdSize;
        if (vma.File is not null && (((vma.Start >> system.PageShift) - vma.PgOff) & (PmdPages(system) - 1)) != 0)
            return false;
        ulong lastBlock = (vma.End - pmd) & ~(pmd - 1);
        return vma.End >= pmd && lastBlock >= vma.Start;
    }

    /// <summary>The PMD-aligned block holding <paramref name="address"/> lies wholly inside the VMA.</summary>
    /// Kernel: thp_vma_suitable_order() for anonymous VMAs.
    public static bool Suitable(MemorySystem system, Vma vma, ulong address)
    {
        ulong pmd = system.Geometry.PmdSize;
        ulong haddr = address & ~(pmd - 1);
        return haddr >= vma.Start && haddr + pmd <= vma.End;
    }
}
