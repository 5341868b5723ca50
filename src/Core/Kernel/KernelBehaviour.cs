using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Kernel;

/// <summary>
/// What the modelled release does where releases differ. Each answer names the release that
/// changed it; where the change lies between two releases the project measured rather than
/// one it can name, it says which real kernels answered which way (Debian's 6.1.192 and
/// 6.12.118 under QEMU through the VM backend, 6.18 on the project's machine).
/// </summary>
public sealed class KernelBehaviour(LinuxVersion version)
{
    private static readonly LinuxVersion V6_4 = new(6, 4);
    private static readonly LinuxVersion V6_6 = new(6, 6);
    private static readonly LinuxVersion V6_7 = new(6, 7);
    private static readonly LinuxVersion V6_8 = new(6, 8);
    private static readonly LinuxVersion V6_10 = new(6, 10);
    private static readonly LinuxVersion V6_17 = new(6, 17);

    public static KernelBehaviour Default { get; } = new(LinuxVersion.Default);

    public LinuxVersion Version => version;

    public bool AtLeast(LinuxVersion release) => version >= release;

    /// <summary>
    /// The userfaultfd features this release knows at all (the architecture then takes away what
    /// it lacks): UFFD_FEATURE_WP_UNPOPULATED came in 6.4, POISON (with UFFDIO_POISON) in 6.6,
    /// WP_ASYNC in 6.7, MOVE (with UFFDIO_MOVE) in 6.8. A feature bit a release does not know
    /// fails UFFDIO_API with EINVAL.
    /// </summary>
    /// Kernel: UFFD_API_FEATURES (include/uapi/linux/userfaultfd.h) of each release.
    public ulong UffdFeatures
    {
        get
        {
            ulong features = UffdUapi.FeatureAll;
            if (version < V6_4)
                features &= ~UffdUapi.FeatureWpUnpopulated;
            if (version < V6_6)
                features &= ~UffdUapi.FeaturePoison;
            if (version < V6_7)
                features &= ~UffdUapi.FeatureWpAsync;
            if (version < V6_8)
                features &= ~UffdUapi.FeatureMove;
            return features;
        }
    }

    /// <summary>The range ioctls this release has: UFFDIO_POISON from 6.6, UFFDIO_MOVE from 6.8.</summary>
    /// Kernel: UFFD_API_RANGE_IOCTLS (include/uapi/linux/userfaultfd.h).
    public ulong RangeIoctls
    {
        get
        {
            ulong ioctls = UffdUapi.RangeIoctls;
            if (version < V6_6)
                ioctls &= ~(1UL << UffdUapi.IoctlPoison);
            if (version < V6_8)
                ioctls &= ~(1UL << UffdUapi.IoctlMove);
            return ioctls;
        }
    }

    /// <summary>The names of the range ioctls <paramref name="release"/> has, as UFFDIO_REGISTER's answer prints them.</summary>
    public static IReadOnlySet<string> RangeIoctlNames(LinuxVersion release) =>
        UffdUapi.FormatIoctls(new KernelBehaviour(release).RangeIoctls)["ioctls=".Length..].Split(',').ToHashSet();

    /// <summary>
    /// A fill ioctl prepares the VMA's anon_vma as it locks the VMA (6.8, the per-VMA locks of
    /// userfaultfd), so one refused with ENOENT still leaves an anon_vma behind; 6.1 makes one only
    /// for a page it installs.
    /// </summary>
    /// Kernel: uffd_lock_vma() / uffd_mfill_lock() (mm/userfaultfd.c, 6.8).
    public bool FillLockPreparesAnonVma => version >= V6_8;

    /// <summary>
    /// MADV_COLLAPSE's errno for a userfaultfd-armed VMA with holes (SCAN_EXCEED_NONE_PTE): EBUSY
    /// from 6.2, EINVAL on 6.1 (an extra page reference, SCAN_PAGE_COUNT, is EAGAIN on both).
    /// </summary>
    /// Kernel: madvise_collapse_errno() (mm/khugepaged.c).
    public bool CollapseTellsBusy => version > LinuxVersion.V6_1;

    /// <summary>
    /// mprotect() that takes write away from a private anonymous mapping without pages (no
    /// anon_vma) gives its commit charge back, so a later growth is not charged; 6.1 keeps the
    /// charge (measured: 6.12 gives it back).
    /// </summary>
    /// Kernel: mprotect_fixup() (mm/mprotect.c), the VM_ACCOUNT part.
    public bool ReadOnlyGivesChargeBack => version > LinuxVersion.V6_1;

    /// <summary>
    /// UFFDIO_COPY checks its source range against the task size (EINVAL); 6.1 checks only that it
    /// does not wrap, and a source beyond the task size fails on the read (EFAULT).
    /// </summary>
    /// Kernel: userfaultfd_copy() (fs/userfaultfd.c), validate_unaligned_range().
    public bool CopyValidatesSource => version > LinuxVersion.V6_1;

    /// <summary>UFFDIO_CONTINUE_MODE_WP (install the page write-protected): after 6.1, which refuses the mode (EINVAL).</summary>
    /// Kernel: userfaultfd_continue() (fs/userfaultfd.c).
    public bool ContinueModeWp => version > LinuxVersion.V6_1;

    /// <summary>
    /// fork() clears the uffd-wp bit of a hugetlb entry the child copies when the child's VMA is not
    /// WP-registered (no EVENT_FORK); 6.1 copies the bit, so the child's pagemap shows wp.
    /// </summary>
    /// Kernel: copy_hugetlb_page_range() (mm/hugetlb.c).
    public bool ForkClearsHugetlbWp => version > LinuxVersion.V6_1;

    /// <summary>
    /// Splitting a THP maps its zero-filled subpages to the shared zero page (6.12); 6.1 keeps a
    /// page of its own for each.
    /// </summary>
    /// Kernel: remove_migration_ptes() -> try_to_map_unused_to_zeropage() (mm/migrate.c, 6.12).
    public bool SplitMapsZeroFilledToZeroPage => version >= LinuxVersion.V6_12;

    /// <summary>
    /// UFFDIO_UNREGISTER of a VMA that another context registered answers EINVAL; 6.12 (and 6.1)
    /// unregister it silently, 6.18 refuses.
    /// </summary>
    /// Kernel: userfaultfd_unregister() (fs/userfaultfd.c).
    public bool UnregisterChecksOwner => version > LinuxVersion.V6_12;

    /// <summary>
    /// mremap() moves a range that spans several VMAs (6.17); before, such a move answers EFAULT
    /// (vma_to_resize() wants the whole old range in one VMA).
    /// </summary>
    /// Kernel: mm/mremap.c remap_move() (6.17), vma_to_resize().
    public bool MremapMovesManyVmas => version >= V6_17;

    /// <summary>
    /// Pagemap's "exclusive" bit of a PMD-mapped THP comes from the mapcount of the block's first
    /// subpage for all its slots, in 6.1 (page_mapcount() of the PMD's page) as in 6.18; 6.12 tests
    /// each slot's own subpage (folio_precise_page_mapcount()).
    /// </summary>
    /// Kernel: pagemap_pmd_range() (fs/proc/task_mmu.c).
    public bool PmdPagemapFromFirstSubpage => version != LinuxVersion.V6_12;

    /// <summary>
    /// MADV_COLLAPSE of a block none of whose pages is mapped writable fails (SCAN_PAGE_RO, EINVAL)
    /// in 6.12 and 6.1, as after mprotect(PROT_READ) or a fork's write protection; 6.18 collapses it.
    /// </summary>
    /// Kernel: hpage_collapse_scan_pmd() (mm/khugepaged.c).
    public bool CollapseNeedsWritablePte => version <= LinuxVersion.V6_12;

    /// <summary>
    /// Pagemap reports a hugetlb uffd-wp marker (a zapped write-protected huge page) as uffd-wp;
    /// 6.12 reports nothing there (measured on x86_64 and arm64: the marker is there all the same,
    /// the next fault maps the page write-protected again).
    /// </summary>
    /// Kernel: pagemap_hugetlb_range() (fs/proc/task_mmu.c).
    public bool HugetlbPagemapShowsWpMarker => version > LinuxVersion.V6_12;

    /// <summary>
    /// UFFDIO_COPY into hugetlb memory whose first huge page allocation fails answers EEXIST (the
    /// huge entry slot it made counts as filled); 6.12 and 6.1 answer ENOMEM.
    /// </summary>
    /// Kernel: hugetlb_mfill_atomic_pte() (mm/hugetlb.c).
    public bool HugetlbCopyAllocFailureIsEexist => version > LinuxVersion.V6_12;

    /// <summary>
    /// A shrinking mremap() checks the VMA it moves before it unmaps the tail; 6.12 and 6.1 unmap
    /// the tail first (mremap_to()), so a move that then fails with EFAULT has still cut it off.
    /// </summary>
    /// Kernel: mremap_to() -> do_munmap() before vma_to_resize() (6.12).
    public bool MremapChecksBeforeShrinking => version > LinuxVersion.V6_12;

    /// <summary>
    /// A REMAP event of a shrinking mremap reports the length that moved; 6.12 and 6.1 report the
    /// old length the caller passed.
    /// </summary>
    /// Kernel: mremap_userfaultfd_prep()/mremap_userfaultfd_complete() (mm/userfaultfd.c, mm/mremap.c).
    public bool RemapEventReportsMovedLength => version > LinuxVersion.V6_12;

    /// <summary>
    /// A write fault on the huge zero page allocates a THP for the whole PMD; 6.12 and 6.1 split
    /// the PMD into zero-page PTEs and fault in one small page.
    /// </summary>
    /// Kernel: do_huge_zero_wp_pmd() (mm/huge_memory.c, after 6.12); do_huge_pmd_wp_page()'s fallback before.
    public bool HugeZeroWriteAllocatesThp => version > LinuxVersion.V6_12;

    /// <summary>
    /// Zapping a private hugetlb page gives its reservation back to the mapping (6.10); before,
    /// the reservation is gone for good and a later fault needs a free page of the pool.
    /// </summary>
    /// Kernel: __unmap_hugepage_range() hugetlb_restore_reserve (6.10).
    public bool ZapRestoresHugetlbReservation => version >= V6_10;

    /// <summary>
    /// That restore also happens while a fork child still maps the page: 6.18 does it at the
    /// parent's zap, 6.12 waits until the page's last mapping goes.
    /// </summary>
    public bool ZapRestoresSharedHugetlbReservation => version > LinuxVersion.V6_12;
}
