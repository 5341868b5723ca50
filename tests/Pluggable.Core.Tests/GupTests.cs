using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

public class GupTests
{
    private static GupRequest Gup(ulong a, ulong n, bool pin = false, bool write = false, bool fast = false, bool longTerm = false, bool force = false) =>
        new(a, n, write, force, pin, longTerm, fast, false, Dump: true);

    [Fact]
    public void A_forced_write_into_read_only_private_hugetlb_copies_the_page_and_leaves_it_read_only()
    {
        // hugetlb_wp() since 6.15: the copy's write bit follows VM_WRITE; the checker (on here)
        // reports a writable entry in a VMA without VM_WRITE.
        const string script = """
            hugepages 2m 2
            memfd f hugetlb 1hp
            mmap w file=f
            fill w 1hp 0x5a
            mmap g file=f private prot=rx
            gup g 1 write force
            check g 1hp 0x5a
            touch g write
            """;
        var stdout = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.RunText("force.scenario", script, () => new Emulator.EmulatorBackend(new TestArchitecture(), options: Emu.Checked), stdout, TextWriter.Null);
        string transcript = stdout.ToString();
        Assert.True(exit == 0, transcript);
        Assert.Contains("gup g 1 write force -> 1\n", transcript);
        Assert.Contains("check g 1hp 0x5a -> ok\n", transcript);
        Assert.Contains("touch g write -> SIGSEGV\n", transcript);
    }

    [Fact]
    public void A_pin_adds_the_bias_to_a_small_page_and_unpin_takes_it_back()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        emu.Touch(a, write: true);
        var pin = emu.Backend.Gup(0, Gup(a, 1, pin: true));
        Assert.Equal("1", pin.ToString());
        Assert.Contains("refcount=1025", pin.Detail![0]);
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 1).ToString());
        // The mapping's reference plus the plain reference this gup holds while it reports.
        Assert.Contains("refcount=2 ", emu.Backend.Gup(0, Gup(a, 1)).Detail![0]);
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a, 1).ToString());
    }

    [Fact]
    public void Fork_copies_a_pinned_anonymous_page_for_the_child_at_once()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true, value: 0x42);
        emu.Backend.Gup(0, Gup(a, 1, pin: true));
        emu.Backend.Fork(0, out int child);
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1, child));
        Assert.Equal("ok 0x42", emu.Touch(a, process: child));
        Assert.Equal("ok", emu.Touch(a, write: true, value: 7));
        Assert.Equal("ok 0x42", emu.Touch(a, process: child));
    }

    [Fact]
    public void A_read_only_pin_of_a_shared_page_unshares_it_first()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true, value: 0x42);
        emu.Backend.Fork(0, out int child);
        Assert.Equal("present", emu.Pagemap(a, 1));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, pin: true)).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1, child));
        Assert.Equal("SIGSEGV", emu.Touch(a + Emu.P));
    }

    [Fact]
    public void Gup_with_the_lock_held_cannot_wait_on_a_userfault_but_the_fast_fallback_can()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 2 * Emu.P, UffdUapi.RegisterModeMissing);
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a, 1)).ToString());
        Assert.Equal("EAGAIN", emu.Backend.Read(0, u).ToString());
        var blocked = emu.Backend.Gup(0, Gup(a, 1, fast: true));
        Assert.Equal(ResultKind.Blocked, blocked.Kind);
        Assert.Equal(a, emu.Backend.Read(0, u).Message!.Value.Address);
        emu.Backend.Zeropage(0, u, a, Emu.P, 0);
        Assert.Equal("1", emu.Completions().Single().Result.ToString());
    }

    [Fact]
    public void Argument_and_vma_checks()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1, prot: Mm.Protection.Read);
        Assert.Equal("EINVAL", emu.Backend.Gup(0, Gup(a, 1, longTerm: true)).ToString());
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a, 1, write: true)).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, write: true, force: true)).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a + 64 * Emu.P, 1)).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, ulong.MaxValue)).ToString());
    }

    [Fact]
    public void Unpin_after_munmap_drops_the_last_reference_and_frees_the_page()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        emu.Touch(a, write: true);
        long used = emu.System.Memory.UsedFrames;
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, pin: true)).ToString());
        Assert.Equal("ok", emu.Backend.Munmap(0, a, Emu.P).ToString());
        Assert.Equal(used, emu.System.Memory.UsedFrames);
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 1).ToString());
        Assert.Equal(used - 1, emu.System.Memory.UsedFrames);
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a, 1).ToString());
    }

    [Fact]
    public void Pins_never_released_go_with_the_processes()
    {
        var emu = new Emu();
        ulong a = emu.Map(4);
        emu.Touch(a, write: true);
        Assert.Equal("4", emu.Backend.Gup(0, Gup(a, 4, pin: true)).ToString());
        Assert.Equal("ok", emu.Backend.Munmap(0, a, 2 * Emu.P).ToString());
        emu.Dispose();
    }

    [Fact]
    public void Unpin_releases_the_newest_pin_of_each_page_and_refuses_a_page_without_one()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        emu.Touch(a + Emu.P, write: true);
        Assert.Equal("4", emu.Backend.Gup(0, Gup(a, 4, pin: true)).ToString());
        Assert.Equal("2", emu.Backend.Gup(0, Gup(a + Emu.P, 2, pin: true)).ToString());
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a, 5).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, a + Emu.P, 3).ToString());
        // The mapping, the first call's pin, and the reference this probe holds while it reports.
        Assert.Contains("refcount=1026 ", emu.Backend.Gup(0, Gup(a + Emu.P, 1)).Detail![0]);
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 3).ToString());
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a + 2 * Emu.P, 1).ToString());
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a + 3 * Emu.P, 1).ToString());
    }

    /// <summary>
    /// FOLL_FORCE reaches PROT_NONE memory of a private mapping: a read maps the zero page, a write
    /// breaks COW into an exclusive page; a shared mapping only reads. The live kernel (6.18), through
    /// /proc/self/mem (FOLL_FORCE reads and writes), answers the same: the read returns zeroes and
    /// pagemap shows the zero page, the write leaves an exclusive anonymous page, the write into
    /// MAP_SHARED PROT_NONE fails with EIO (GUP's EFAULT) after the read mapped the shmem page.
    /// </summary>
    [Fact]
    public void Force_follows_prot_none_entries()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        Assert.Equal("ok", emu.Backend.Mprotect(0, a, 2 * Emu.P, Protection.None).ToString());
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a, 1)).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, force: true)).ToString());
        Assert.Equal("present+zero", emu.Pagemap(a, 1));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, write: true, force: true)).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + Emu.P, 1, pin: true, force: true)).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, a + Emu.P, 1).ToString());

        ulong s = emu.Map(1, shared: true, prot: Protection.None);
        Assert.Equal("1", emu.Backend.Gup(0, Gup(s, 1, force: true)).ToString());
        Assert.Equal("present+file+exclusive", emu.Pagemap(s, 1));
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(s, 1, write: true, force: true)).ToString());
    }

    [Fact]
    public void A_long_term_pin_of_a_private_hugetlb_tail_page_reads_anon_state_from_the_head()
    {
        using var emu = new Emu();
        const ulong Huge = 2UL << 20;
        Assert.Equal("ok", emu.Backend.Hugepages(Huge, 2).ToString());
        Assert.Equal("ok", emu.Backend.Memfd(0, "h", true, Huge).ToString());
        Assert.Equal("ok", emu.Backend.Mmap(0, new MmapRequest("h", Huge, false, Protection.Read | Protection.Write, 0, false, 0), out ulong a).ToString());
        Assert.Equal("ok 0x00", emu.Touch(a));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + Emu.P, 1, pin: true, longTerm: true)).ToString());
        Assert.Equal("ok", emu.Backend.Fork(0, out _).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + 3 * Emu.P, 1, pin: true, longTerm: true)).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + 5 * Emu.P, 1, write: true, force: true)).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, a + Emu.P, 1).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, a + 3 * Emu.P, 1).ToString());
    }

    /// <summary>
    /// The count is an unsigned long. The slow path takes pages until the first hole, however many
    /// were asked for; the fast entry points first check that the byte length and the end do not
    /// wrap (EOVERFLOW) and stay below TASK_SIZE_MAX (EFAULT) — gup_fast_fallback() in mm/gup.c.
    /// </summary>
    [Fact]
    public void Counts_at_the_limits_answer_at_once()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        Assert.Equal("4", emu.Backend.Gup(0, Gup(a, 1UL << 54)).ToString());
        Assert.Equal("4", emu.Backend.Gup(0, Gup(a, ulong.MaxValue, pin: true)).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 4).ToString());
        Assert.Equal("EOVERFLOW", emu.Backend.Gup(0, Gup(a, 1UL << 54, fast: true)).ToString());
        Assert.Equal("EOVERFLOW", emu.Backend.Gup(0, Gup(a, (ulong.MaxValue >> 12) - 1, fast: true)).ToString());
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a, 1UL << 35, fast: true)).ToString());
        Assert.Equal("4", emu.Backend.Gup(0, Gup(a, (1UL << 35) - (a >> 12) - 1, fast: true)).ToString());
    }

    [Fact]
    public void A_pin_of_many_zero_pages_is_kept_as_one_run()
    {
        using var emu = new Emu();
        const ulong Pages = 1 << 16;
        ulong a = emu.Map(Pages, prot: Protection.Read);
        Assert.Equal(Pages.ToString(), emu.Backend.Gup(0, Gup(a, Pages, pin: true) with { Dump = false }).ToString());
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("ok", emu.Backend.Unpin(0, a + Emu.P, Pages - 2).ToString());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "unpin allocated per page");
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 1).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, a + (Pages - 1) * Emu.P, 1).ToString());
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a, 1).ToString());
    }

    /// <summary>
    /// MADV_COLLAPSE leaves a block with a pinned page alone and answers EAGAIN: the scan finds a
    /// reference beyond the page's mappings (is_refcount_suitable() -> SCAN_PAGE_COUNT, which
    /// madvise_collapse_errno() maps to -EAGAIN, mm/khugepaged.c). The host cannot pin, so this is
    /// read from the kernel source. Once unpinned, the block collapses.
    /// </summary>
    [Fact]
    public void Collapse_refuses_a_block_with_a_pinned_page()
    {
        using var emu = new Emu();
        const ulong Pmd = 512;
        ulong a = emu.Map(Pmd);
        emu.Touch(a, write: true);
        emu.Touch(a + 7 * Emu.P, write: true);
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + 7 * Emu.P, 1, pin: true)).ToString());
        Assert.Equal("EAGAIN", emu.Backend.Madvise(0, a, Pmd * Emu.P, Advice.Collapse).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a + 7 * Emu.P, 1));
        Assert.Equal("-", emu.Pagemap(a + Emu.P, 1));
        Assert.Equal("ok", emu.Backend.Unpin(0, a + 7 * Emu.P, 1).ToString());
        Assert.Equal("ok", emu.Backend.Madvise(0, a, Pmd * Emu.P, Advice.Collapse).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a + Emu.P, 1));
    }

    /// <summary>
    /// UFFDIO_MOVE does not move a pinned page: folio_maybe_dma_pinned() in move_present_pte()
    /// answers EBUSY (mm/userfaultfd.c); a small page counts its pins in its refcount.
    /// </summary>
    [Fact]
    public void Move_refuses_a_pinned_page()
    {
        using var emu = new Emu();
        ulong src = emu.Map(1), dst = emu.Map(1);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, dst, Emu.P, UffdUapi.RegisterModeMissing);
        emu.Touch(src, write: true, value: 0x5a);
        Assert.Equal("1", emu.Backend.Gup(0, Gup(src, 1, pin: true)).ToString());
        Assert.Equal("EBUSY", emu.Backend.Move(0, u, dst, src, Emu.P, 0).ToString());
        Assert.Equal("ok", emu.Backend.Unpin(0, src, 1).ToString());
        Assert.Equal("4096", emu.Backend.Move(0, u, dst, src, Emu.P, 0).ToString());
    }

    /// <summary>
    /// copy_huge_pmd() will not share a THP that may be pinned: it splits the PMD and the PTE copy
    /// gives the child its own copy of every page (folio_try_dup_anon_rmap_ptes() -> copy_present_page()).
    /// </summary>
    [Fact]
    public void Fork_splits_a_pinned_thp_and_copies_its_pages_for_the_child()
    {
        using var emu = new Emu();
        const ulong Pmd = 512;
        ulong a = emu.Map(Pmd);
        Assert.Equal("ok", emu.Backend.Madvise(0, a, Pmd * Emu.P, Advice.HugePage).ToString());
        Assert.Equal("ok", emu.Touch(a + 5 * Emu.P, write: true, value: 0x42));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + 5 * Emu.P, 1, pin: true)).ToString());
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal("present+exclusive,present+exclusive", emu.Pagemap(a + 5 * Emu.P, 2));
        Assert.Equal("present+exclusive,present+exclusive", emu.Pagemap(a + 5 * Emu.P, 2, child));
        Assert.Equal("ok", emu.Touch(a + 5 * Emu.P, write: true, value: 7));
        Assert.Equal("ok 0x42", emu.Touch(a + 5 * Emu.P, process: child));
        Assert.Equal("ok", emu.Backend.Unpin(0, a + 5 * Emu.P, 1).ToString());
    }

    /// <summary>
    /// A pinned private hugetlb page stays the parent's; the child's copy comes from pages nobody
    /// reserved (the child owns no reservation), and without one the fork fails with ENOMEM
    /// (copy_hugetlb_page_range() -> alloc_hugetlb_folio(), mm/hugetlb.c).
    /// </summary>
    [Fact]
    public void Fork_copies_a_pinned_hugetlb_page_for_the_child_or_fails_without_a_free_page()
    {
        using var emu = new Emu();
        const ulong Huge = 2UL << 20;
        Assert.Equal("ok", emu.Backend.Hugepages(Huge, 1).ToString());
        Assert.Equal("ok", emu.Backend.Memfd(0, "h", true, Huge).ToString());
        Assert.Equal("ok", emu.Backend.Mmap(0, new MmapRequest("h", Huge, false, Protection.Read | Protection.Write, 0, false, 0), out ulong a).ToString());
        Assert.Equal("ok", emu.Touch(a, write: true, value: 0x11));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, pin: true)).ToString());
        Assert.Equal("ENOMEM", emu.Backend.Fork(0, out _).ToString());
        Assert.Equal("ok", emu.Backend.Hugepages(Huge, 2).ToString());
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1, child));
        Assert.Equal("ok 0x11", emu.Touch(a, process: child));
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 1).ToString());
    }

    /// <summary>
    /// A read-only pin of a THP shared with a child must unshare: do_huge_pmd_wp_page() with
    /// FAULT_FLAG_UNSHARE splits the shared PMD and the PTE path copies only the pinned page
    /// (the live kernel does the same through process_vm_readv, GUP_ON_THE_HOST.md). Before, the
    /// PMD step ignored unshare faults and GUP asked for them forever.
    /// </summary>
    [Fact]
    public void A_read_only_pin_of_a_shared_thp_splits_it_and_copies_the_pinned_page()
    {
        using var emu = new Emu();
        const ulong Pmd = 512;
        ulong a = emu.Map(Pmd);
        Assert.Equal("ok", emu.Backend.Madvise(0, a, Pmd * Emu.P, Advice.HugePage).ToString());
        Assert.Equal("ok", emu.Touch(a, write: true, value: 0x11));
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a + 3 * Emu.P, 1, pin: true)).ToString());
        Assert.Equal("present,present+exclusive,present", emu.Pagemap(a + 2 * Emu.P, 3));
        Assert.Equal("present,present,present", emu.Pagemap(a + 2 * Emu.P, 3, child));
        Assert.Equal("ok", emu.Backend.Unpin(0, a + 3 * Emu.P, 1).ToString());
    }
}
