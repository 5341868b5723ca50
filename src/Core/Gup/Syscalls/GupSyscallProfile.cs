namespace Pluggable.Core.Gup.Syscalls;

/// <summary>How many pages a system call pins or gets at a time, uses, and gives back before the next ones.</summary>
public enum GupBatch
{
    /// <summary>The whole range in one call (its references live on: vmsplice's in the pipe).</summary>
    Whole,

    /// <summary>One page per call: access_remote_vm().</summary>
    OnePage,

    /// <summary>
    /// Up to 16 pages from an array on the stack, else as many page pointers as two pages hold:
    /// process_vm_rw_core()'s PVM_MAX_PP_ARRAY_COUNT and PVM_MAX_KMALLOC_PAGES.
    /// </summary>
    PageArray,

    /// <summary>A bio's worth, BIO_MAX_VECS (256) pages, whose I/O ends (and unpins) before the next is built.</summary>
    Bio,
}

/// <summary>
/// How one system call drives get_user_pages: the flags it passes, whether it starts with the
/// lockless walk, whether it may drop mmap_lock (and so sleep on a userfault), whether it takes one
/// page per call, how much one call can take, and the errno it answers when the first page fails.
/// </summary>
/// <param name="Flags">FOLL_* as the entry point combines them.</param>
/// <param name="Fast">The *_fast entry points: the lockless walk, then the slow path with FOLL_UNLOCKABLE.</param>
/// <param name="Batch">How many pages one GUP call takes before they are used and given back.</param>
/// <param name="PipeLimited">One call takes at most as many pages as the pipe has slots (<see cref="PipeBytes"/> of base pages).</param>
/// <param name="FirstPageError">The errno when nothing was done; <see cref="Errno.None"/> passes GUP's own.</param>
/// <param name="AllOrNothing">A short GUP fails the whole call (EFAULT), though the pages taken before were used.</param>
/// <param name="BlockSize">The length must be a multiple of it, and so must the offset in its page of a range that crosses a page (EINVAL); 0 for any.</param>
/// <param name="WordAligned">The address must be a multiple of 4 (EINVAL): a futex word.</param>
/// <param name="Copies">The call writes the caller's bytes into the pages it took for writing (a futex op leaves the word as it was).</param>
public sealed record GupSyscallProfile(GupFlags Flags, bool Fast, GupBatch Batch, bool PipeLimited, Errno FirstPageError,
    bool AllOrNothing = false, ulong BlockSize = 0, bool WordAligned = false, bool Copies = true)
{
    public bool Writes => Copies && (Flags & GupFlags.Write) != 0;

    /// <summary>The pages of the next GUP call, of <paramref name="left"/> still to do out of <paramref name="total"/>.</summary>
    public ulong BatchPages(ulong total, ulong left, ulong pageSize) => Math.Min(left, Batch switch
    {
        GupBatch.OnePage => 1,
        GupBatch.PageArray => total <= 16 ? 16 : 2 * pageSize / sizeof(ulong),
        GupBatch.Bio => 256,
        _ => left,
    });

    /// <summary>
    /// process_vm_readv(): pins the remote pages in batches with the lock droppable, so a userfault
    /// blocks it; any failure is EFAULT, after the bytes already copied.
    /// </summary>
    /// Kernel: process_vm_rw_single_vec() -> pin_user_pages_remote(&amp;locked) (mm/process_vm_access.c).
    public static readonly GupSyscallProfile ProcessVmReadv =
        new(GupFlags.Pin | GupFlags.Touch | GupFlags.Remote | GupFlags.Unlockable, Fast: false, Batch: GupBatch.PageArray, PipeLimited: false, Errno.EFAULT);

    /// <summary>process_vm_writev(): the same with FOLL_WRITE; the pages are dirtied as they are unpinned.</summary>
    /// Kernel: process_vm_rw_single_vec(), unpin_user_pages_dirty_lock().
    public static readonly GupSyscallProfile ProcessVmWritev = ProcessVmReadv with
    {
        Flags = ProcessVmReadv.Flags | GupFlags.Write,
    };

    /// <summary>
    /// A read of /proc/PID/mem: one page at a time, forced (PROT_NONE and read-only memory are
    /// reachable), with mmap_lock held throughout, so a userfault fails at once; EIO when the first
    /// page fails.
    /// </summary>
    /// Kernel: mem_rw() -> access_remote_vm() -> get_user_page_vma_remote(FOLL_FORCE) (fs/proc/base.c, mm/memory.c).
    public static readonly GupSyscallProfile ProcMemRead =
        new(GupFlags.Get | GupFlags.Force | GupFlags.Touch | GupFlags.Remote, Fast: false, Batch: GupBatch.OnePage, PipeLimited: false, Errno.EIO);

    /// <summary>A write of /proc/PID/mem: FOLL_FORCE | FOLL_WRITE, which breaks COW even in a read-only private mapping.</summary>
    /// Kernel: mem_rw(), __access_remote_vm() (copy_to_user_page(), set_page_dirty_lock()).
    public static readonly GupSyscallProfile ProcMemWrite = ProcMemRead with
    {
        Flags = ProcMemRead.Flags | GupFlags.Write,
    };

    /// <summary>
    /// vmsplice() of user memory into a pipe: references (not pins) taken by the fast walk with the
    /// slow path behind it, as many pages as the pipe has slots: the runners' pipe is 1 MiB (the
    /// largest an unprivileged process may ask for), one slot per base page; GUP's errno when the first page fails.
    /// </summary>
    /// Kernel: vmsplice_to_pipe() -> iter_to_pipe() -> iov_iter_get_pages2() -> get_user_pages_fast() (fs/splice.c, lib/iov_iter.c).
    public static readonly GupSyscallProfile Vmsplice =
        new(GupFlags.Get, Fast: true, Batch: GupBatch.Whole, PipeLimited: true, Errno.None);

    /// <summary>
    /// An O_DIRECT read into user memory: the bio's pages are pinned for writing by the fast walk
    /// with the slow path behind it (a userfault blocks it), a bio at a time; a page that cannot be
    /// pinned fails the whole read with EFAULT, though the bios already built were read into their
    /// pages. The file offset (0) and the length must be multiples of the device's logical block size
    /// (512 bytes on the runners' disks), and so must each page's part of the buffer: a buffer that
    /// crosses a page starts on a block boundary of its page (one inside a page may start anywhere;
    /// this is found only once the first bio's pages were pinned).
    /// A bio's pins go when its I/O ends, which the model puts before the next bio is built (on the
    /// real kernel the I/O usually ends by then, but may not).
    /// </summary>
    /// Kernel: iomap_dio_rw() -> iomap_dio_bio_iter() -> bio_iov_iter_get_pages() -> iov_iter_extract_pages() -> pin_user_pages_fast() (fs/iomap/direct-io.c, block/bio.c).
    public static readonly GupSyscallProfile DirectRead =
        new(GupFlags.Pin | GupFlags.Write, Fast: true, Batch: GupBatch.Bio, PipeLimited: false, Errno.EFAULT, AllOrNothing: true, BlockSize: DirectIoBlock);

    /// <summary>An O_DIRECT write from user memory: the same with read pins, which keep the zero page.</summary>
    /// Kernel: iomap_dio_bio_iter() (ITER_SOURCE: no FOLL_WRITE).
    public static readonly GupSyscallProfile DirectWrite = DirectRead with
    {
        Flags = GupFlags.Pin,
    };

    /// <summary>
    /// get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR): the node of the page at an address, found by a
    /// reference taken through the fast walk (the slow path behind it may sleep on a userfault);
    /// EFAULT where no VMA is, GUP's errno where the page cannot be had.
    /// </summary>
    /// Kernel: do_get_mempolicy() -> lookup_node() -> get_user_pages_fast(1 page, 0) (mm/mempolicy.c).
    public static readonly GupSyscallProfile GetMempolicy =
        new(GupFlags.Get, Fast: true, Batch: GupBatch.OnePage, PipeLimited: false, Errno.None);

    /// <summary>
    /// FUTEX_WAKE_OP with the word at the address as the second futex (a shared one, ADD 0): its
    /// key is taken by a writing reference through the fast walk (a userfault blocks it), then the
    /// word is updated in place, unchanged; the address must be a 4-byte word (EINVAL).
    /// </summary>
    /// Kernel: futex_wake_op() -> get_futex_key(FUTEX_WRITE) -> get_user_pages_fast(1 page, FOLL_WRITE), futex_atomic_op_inuser() (kernel/futex/).
    public static readonly GupSyscallProfile FutexWakeOp =
        new(GupFlags.Get | GupFlags.Write, Fast: true, Batch: GupBatch.OnePage, PipeLimited: false, Errno.None,
            WordAligned: true, Copies: false);

    /// <summary>The logical block size O_DIRECT aligns to on the runners' file systems.</summary>
    /// Kernel: iomap_dio_bio_iter() (pos and length), bio_split_rw_at() (each bvec's length).
    public const ulong DirectIoBlock = 512;

    /// <summary>The largest O_DIRECT transfer a scenario may ask for: the host makes a file of that size.</summary>
    public const ulong DirectIoMaxBytes = 64UL << 20;

    /// <summary>The pipe the runners splice into: F_SETPIPE_SZ to /proc/sys/fs/pipe-max-size's default.</summary>
    /// Kernel: pipe_set_size(), round_pipe_size() (fs/pipe.c).
    public const ulong PipeBytes = 1 << 20;
}
