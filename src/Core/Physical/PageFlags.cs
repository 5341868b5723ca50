namespace Pluggable.Core.Physical;

/// <summary>Per-frame state bits.</summary>
/// Kernel: enum pageflags (PG_*) plus the page-type and PageAnon/PageAnonExclusive encodings.
[Flags]
public enum PageFlags : uint
{
    None = 0,

    /// <summary>Head of a compound (large) folio; <see cref="PageDescriptor.Order"/> holds its order.</summary>
    Head = 1 << 0,

    /// <summary>A tail page of a compound folio; <see cref="PageDescriptor.Link"/> holds the head pfn.</summary>
    Tail = 1 << 1,

    /// <summary>Free, on the allocator's list at <see cref="PageDescriptor.Order"/>.</summary>
    Buddy = 1 << 2,

    /// <summary>Reserved for the kernel (the zero pages).</summary>
    Reserved = 1 << 3,

    /// <summary>Anonymous memory (folio_test_anon).</summary>
    Anon = 1 << 4,

    /// <summary>PageAnonExclusive: this anon page is known to be mapped by one process only.</summary>
    AnonExclusive = 1 << 5,

    /// <summary>Holds a page table.</summary>
    PageTable = 1 << 6,

    /// <summary>In a shmem/hugetlbfs page cache.</summary>
    PageCache = 1 << 7,

    Dirty = 1 << 8,
    Referenced = 1 << 9,
    Hugetlb = 1 << 10,

    /// <summary>PG_arch_1: architecture private (arm64/powerpc "dcache clean").</summary>
    Arch1 = 1 << 11,

    /// <summary>A transparent huge page (large anon folio).</summary>
    Thp = 1 << 12,

    /// <summary>
    /// A hugetlb folio that consumed a reservation and is not yet in a page cache or mapped: freeing
    /// it gives the reservation back to the pool (HPG_restore_reserve).
    /// </summary>
    HugetlbRestoreReserve = 1 << 13,
}
