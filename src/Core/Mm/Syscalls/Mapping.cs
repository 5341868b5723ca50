using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>mmap: choose a place, build the VMA, optionally populate it.</summary>
/// Kernel: do_mmap() -> get_unmapped_area() + mmap_region(), shmem_zero_setup(), __mm_populate().
public static class Mapping
{
    /// <summary>Kernel: MAX_LFS_FILESIZE, the largest size and offset a shmem or hugetlbfs file has.</summary>
    public const ulong MaxFileSize = long.MaxValue;

    /// <summary>
    /// Maps <paramref name="length"/> bytes, with the checks in the kernel's order: EINVAL for an
    /// offset off a page, a zero length or a bad alignment; ENOMEM for a length that wraps when
    /// rounded to pages, too many VMAs, a range past the task size and an accounted mapping larger
    /// than the machine's memory (<see cref="Overcommit"/>); EOVERFLOW for a file range past the
    /// largest file. Placement follows the scenario contract: the start is aligned to max(PMD size,
    /// <paramref name="align"/>) and an unmapped gap of at least the PMD size follows, so mappings
    /// never merge by accident.
    /// </summary>
    /// Kernel: ksys_mmap_pgoff() -> do_mmap() -> file_mmap_ok(), __get_unmapped_area(), mmap_region() (accounting), shmem_zero_setup().
    public static Errno Mmap(MmStruct mm, ulong length, Protection prot, bool shared, MemoryFile? file, ulong offset, ulong align, out ulong address)
    {
        address = 0;
        var system = mm.System;
        var geo = system.Geometry;
        ulong alignment = Math.Max(geo.PmdSize, align);
        if (file is { Hugetlb: true })
            alignment = Math.Max(alignment, HugetlbMapping.Alignment(system, file));
        if ((alignment & (alignment - 1)) != 0 || length == 0 || (offset & (geo.PageSize - 1)) != 0)
            return Errno.EINVAL;
        ulong size = (length + geo.PageSize - 1) & geo.PageMask;
        if (size == 0)
            return Errno.ENOMEM;
        if (mm.Vmas.Count > VmaList.MaxMapCount)
            return Errno.ENOMEM;
        if (file is not null && (size > MaxFileSize || offset >> geo.PageShift > (MaxFileSize - size) >> geo.PageShift))
            return Errno.EOVERFLOW;
        if (file is { Hugetlb: true })
        {
            ulong hugeMask = (1UL << file.HugeShift) - 1;
            size = (size + hugeMask) & ~hugeMask;
            if (size == 0)
                return Errno.ENOMEM;
        }
        ulong after = file is { Hugetlb: true } ? alignment : geo.PmdSize;
        if (size > geo.TaskSize || !UnmappedArea.TryFind(mm, size, alignment, after, out ulong start, out ulong nextFree))
            return Errno.ENOMEM;
        var flags = FlagsFor(prot, shared) | (file is { Hugetlb: true } ? VmFlags.Hugetlb : VmFlags.None);
        if (Overcommit.Accountable(file, flags) || (file is null && shared))
        {
            if (!Overcommit.Allows(system, size))
                return Errno.ENOMEM;
            if (!shared)
                flags |= VmFlags.Account;
        }
        HugetlbResvMap? hugetlbResv = null;
        if (file is { Hugetlb: true })
        {
            var error = HugetlbMapping.Prepare(system, file, offset, size, shared, prot, out hugetlbResv);
            if (error != Errno.None)
                return error;
        }
        if (file is null && shared)
        {
            file = system.CreateFile("dev/zero", size, hugetlb: false, hugeShift: 0);
            offset = 0;
        }
        var vma = new Vma(start, start + size, flags, file, offset >> geo.PageShift) { HugetlbResv = hugetlbResv };
        if (file is not null)
            file.References++;
        mm.Vmas.Insert(vma);
        mm.NextFree = nextFree;
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
    /// writable mappings, read faults otherwise; a VMA without access is passed by, and a fault
    /// that fails ends the VMA's part (mmap ignores both). Stops early only when the task was killed.
    /// </summary>
    /// Kernel: __mm_populate(ignore_errors) -> populate_vma_page_range() (vma_is_accessible(); the forced
    /// GUP still fails check_vma_flags()'s arch_vma_access_permitted() under an execute-only protection key).
    public static void Populate(MmStruct mm, ulong start, ulong end)
    {
        var system = mm.System;
        ulong a = start;
        while (a < end)
        {
            if (!system.Checkpoint(mm))
                return;
            var vma = mm.Vmas.FindFrom(a);
            if (vma is null || vma.Start >= end)
                return;
            a = Math.Max(a, vma.Start);
            ulong stop = Math.Min(end, vma.End);
            if (!vma.IsAccessible || PageProt.KeyDeniesData(system, vma))
            {
                a = stop;
                continue;
            }
            bool write = (vma.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
            if (!write)
            {
                ulong next = ZeroPageRun.Map(mm, vma, a, stop);
                if (next > a)
                {
                    a = next;
                    continue;
                }
            }
            if (!UserAccess.TryTranslate(mm, a, write, out _, out int shift))
            {
                if (FaultHandler.HandleMmFault(mm, vma, new FaultInfo(a, a, write, FromUser: false, ThreadId: 0)).Status != FaultStatus.Done)
                {
                    a = stop;
                    continue;
                }
                var leaf = mm.Tables.WalkLeaf(a);
                shift = leaf.Entry.Kind == EntryKind.Page ? leaf.Shift : 0;
            }
            a = UserAccess.PastLeaf(system, a, shift, stop);
        }
    }
}
