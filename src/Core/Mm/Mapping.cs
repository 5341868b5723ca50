
namespace Pluggable.Core.Mm;

/// <summary>mmap: choose a place, build the VMA, optionally populate it.</summary>
/// Kernel: do_mmap() -> get_unmapped_area() + mmap_region(), shmem_zero_setup(), __mm_populate().
public static class Mapping
{
    /// <summary>
    /// Maps <paramref name="length"/> bytes. Placement follows the scenario contract: the start is
    /// aligned to max(PMD size, <paramref name="align"/>) and an unmapped gap of at least the PMD
    /// size follows, so mappings never merge by accident.
    /// </summary>
    public static Errno Mmap(MmStruct mm, ulong length, Protection prot, bool shared, MemoryFile? file, ulong offset, ulong align, out ulong address)
    {
        address = 0;
        var system = mm.System;
        var geo = system.Geometry;
        if (length == 0 || (offset & (geo.PageSize - 1)) != 0)
            return Errno.EINVAL;
        ulong size = (length + geo.PageSize - 1) & geo.PageMask;
        if (file is { Hugetlb: true } && (size & ((1UL << file.HugeShift) - 1)) != 0)
            size = (size + (1UL << file.HugeShift) - 1) & ~((1UL << file.HugeShift) - 1);
        ulong alignment = Math.Max(geo.PmdSize, align);
        HugetlbResvMap? hugetlbResv = null;
        if (file is { Hugetlb: true })
        {
            var error = HugetlbMapping.Prepare(system, file, offset, size, shared, prot, out hugetlbResv);
            if (error != Errno.None)
                return error;
            alignment = Math.Max(alignment, HugetlbMapping.Alignment(system, file));
        }
        if ((alignment & (alignment - 1)) != 0)
            return Errno.EINVAL;
        ulong start = (mm.NextFree + alignment - 1) & ~(alignment - 1);
        if (start + size + geo.PmdSize > geo.TaskSize || start + size < start)
            return Errno.ENOMEM;
        if (file is null && shared)
        {
            file = system.CreateFile("dev/zero", size, hugetlb: false, hugeShift: 0);
            offset = 0;
        }
        var flags = FlagsFor(prot, shared) | (file is { Hugetlb: true } ? VmFlags.Hugetlb : VmFlags.None);
        var vma = new Vma(start, start + size, flags, file, offset >> geo.PageShift) { HugetlbResv = hugetlbResv };
        if (file is not null)
            file.References++;
        mm.Vmas.Insert(vma);
        ulong after = file is { Hugetlb: true } ? alignment : geo.PmdSize;
        mm.NextFree = (start + size + geo.PmdSize + after - 1) & ~(after - 1);
        address = start;
        return Errno.None;
    }

    /// <summary>Kernel: calc_vm_prot_bits() + the VM_MAY* defaults of do_mmap().</summary>
    public static VmFlags FlagsFor(Protection prot, bool shared)
    {
        var flags = VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec;
        if (prot.HasFlag(Protection.Read)) flags |= VmFlags.Read;
        if (prot.HasFlag(Protection.Write)) flags |= VmFlags.Write;
        if (prot.HasFlag(Protection.Exec)) flags |= VmFlags.Exec;
        if (shared)
            flags |= VmFlags.Shared | VmFlags.MayShare;
        return flags;
    }

    /// <summary>
    /// Faults in every page of [start, end) as MAP_POPULATE does: write faults for private
    /// writable mappings, read faults otherwise; a PROT_NONE VMA is skipped (never populated).
    /// Stops at the first fault that does not complete.
    /// </summary>
    /// Kernel: __mm_populate() -> populate_vma_page_range() (vma_is_accessible()).
    public static FaultResult Populate(MmStruct mm, ulong start, ulong end, bool? forceWrite = null)
    {
        var system = mm.System;
        for (ulong a = start; a < end; a += system.PageSize)
        {
            var vma = mm.Vmas.Find(a);
            if (vma is null)
                return FaultResult.Oom;
            if (!vma.IsAccessible)
            {
                a = vma.End - system.PageSize;
                continue;
            }
            bool write = forceWrite ?? (vma.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
            if (UserAccess.TryTranslate(mm, a, write, out _))
                continue;
            var result = FaultHandler.HandleMmFault(mm, vma, new FaultInfo(a, a, write, FromUser: false, ThreadId: 0));
            if (result.Status != FaultStatus.Done)
                return result;
        }
        return FaultResult.Done;
    }
}
