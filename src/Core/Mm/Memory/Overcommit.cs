namespace Pluggable.Core.Mm;

/// <summary>
/// The commit check, as the CI machine runs it: vm.overcommit_memory = 0 (heuristic) and no swap.
/// Each accounted request is compared on its own with the machine's RAM: one larger than RAM + swap
/// is refused, anything smaller is allowed, however much was committed before. Accounted are
/// private writable mappings (not hugetlb: its pool has reservations of its own), shared anonymous
/// mappings (their shmem object, whatever the protection), a private mapping made writable, and
/// the growth of an accounted mapping (mremap) or the copy of one (fork); memfd files are not
/// (MFD_NORESERVE-like: their pages are counted one by one, which a single page always passes).
/// </summary>
/// Kernel: __vm_enough_memory() (OVERCOMMIT_GUESS) in mm/util.c; accountable_mapping() (mm/mmap.c),
/// shmem_acct_size() (mm/shmem.c), mprotect_fixup() (mm/mprotect.c), move_vma()/mremap (mm/mremap.c), dup_mmap() (kernel/fork.c).
public static class Overcommit
{
    /// <summary>Whether one request of <paramref name="bytes"/> passes the heuristic.</summary>
    public static bool Allows(MemorySystem system, ulong bytes) =>
        bytes >> system.PageShift <= (ulong)system.Memory.TotalFrames;

    /// <summary>Kernel: accountable_mapping() — private, writable, not hugetlb (MAP_NORESERVE is not in the language).</summary>
    public static bool Accountable(MemoryFile? file, VmFlags flags) =>
        file is not { Hugetlb: true } && (flags & (VmFlags.Shared | VmFlags.Write)) == VmFlags.Write;
}
