using Pluggable.Core.Mm;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Debug;

/// <summary>
/// The VMAs of an address space: non-empty, page aligned (huge page aligned for hugetlb), inside
/// the user address space, sorted and disjoint; a registered VMA has both its userfaultfd flags and
/// a live context; a private reservation map only on a private hugetlb VMA. Each file VMA's
/// reference on its file is counted.
/// </summary>
/// Kernel: validate_mm() (CONFIG_DEBUG_VM_MAPLE_TREE), VM_BUG_ON_VMA(), dump_vma() (mm/debug.c).
internal static class VmaCheck
{
    public static void Check(MmStruct mm, ReferenceCensus census)
    {
        var geo = mm.System.Geometry;
        var vmas = mm.Vmas.All;
        for (int i = 0; i < vmas.Count; i++)
        {
            var vma = vmas[i];
            if (vma.Start >= vma.End)
                throw Bad(mm, vma, "is empty");
            if (((vma.Start | vma.End) & (geo.PageSize - 1)) != 0)
                throw Bad(mm, vma, "is not page aligned");
            if (vma.End > geo.TaskSize)
                throw Bad(mm, vma, $"ends above the user address space (0x{geo.TaskSize:x})");
            if (i > 0 && vmas[i - 1].End > vma.Start)
                throw Bad(mm, vma, $"overlaps or precedes the VMA before it, {vmas[i - 1]}");
            if (vma.IsHugetlb && ((vma.Start | vma.End) & ((1UL << vma.File!.HugeShift) - 1)) != 0)
                throw Bad(mm, vma, "is a hugetlb VMA not aligned to its huge page size");
            if (vma.File is { } file)
            {
                if (file.References <= 0)
                    throw Bad(mm, vma, $"maps file '{file.Name}', which has {file.References} references");
                census.FileMapping(file);
            }
            bool flagged = (vma.Flags & VmFlags.UffdMask) != 0;
            if (flagged != vma.Uffd is not null)
                throw Bad(mm, vma, flagged ? "has userfaultfd flags but no context" : "has a userfaultfd context but no userfaultfd flags");
            if (vma.Uffd is UffdContext { Released: true })
                throw Bad(mm, vma, "is registered with a released userfaultfd");
            if (vma.HugetlbResv is not null && (!vma.IsHugetlb || vma.IsShared))
                throw Bad(mm, vma, "holds a private reservation map but is not a private hugetlb mapping");
        }
    }

    private static DebugVmException Bad(MmStruct mm, Vma vma, string what) => new($"{mm} VMA {vma} {what}");
}
