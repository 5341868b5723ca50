using Pluggable.Core.Mm;

namespace Pluggable.Core.Gup.Syscalls;

/// <summary>Registrations that keep user pages pinned after the system call returns.</summary>
public enum LongTermPinKind
{
    /// <summary>IORING_REGISTER_BUFFERS of one buffer, until IORING_UNREGISTER_BUFFERS.</summary>
    IoUringBuffers,

    /// <summary>XDP_UMEM_REG on an AF_XDP socket (2048-byte chunks), until the socket is closed.</summary>
    XdpUmem,
}

/// <summary>
/// One registration that pins a range for the long term: all of it or nothing. The arguments are
/// checked first as each subsystem checks them; then the pages are pinned with FOLL_WRITE |
/// FOLL_LONGTERM (io_uring through the fast walk with the lock droppable, so a userfault blocks it;
/// AF_XDP with mmap_lock held, so a userfault fails it); a short pin is undone.
/// </summary>
/// Kernel: io_sqe_buffers_register() -> io_buffer_validate(), io_pin_pages() -> pin_user_pages_fast()
/// (io_uring/rsrc.c, io_uring/memmap.c); xdp_umem_reg() -> xdp_umem_pin_pages() -> pin_user_pages() (net/xdp/xdp_umem.c).
public sealed class LongTermPin
{
    /// <summary>io_buffer_validate()'s limit on one buffer.</summary>
    public const ulong IoUringMaxBuffer = 1UL << 30;

    /// <summary>XDP_UMEM_MIN_CHUNK_SIZE: the chunk size the runners register with.</summary>
    public const ulong XdpChunk = 2048;

    private readonly MmStruct _mm;
    private readonly LongTermPinKind _kind;
    private readonly ulong _address;
    private readonly ulong _length;
    private readonly ulong _pages;
    private GetUserPages? _call;

    public LongTermPin(MmStruct mm, LongTermPinKind kind, ulong address, ulong length)
    {
        _mm = mm;
        _kind = kind;
        _address = address;
        _length = length;
        var system = mm.System;
        ulong offset = address & ~system.Geometry.PageMask;
        _pages = (ulong)((offset + (UInt128)length + (ulong)system.PageSize - 1) >> system.PageShift);
    }

    public const GupFlags Flags = GupFlags.Pin | GupFlags.Write | GupFlags.LongTerm;

    /// <summary>The pages pinned (all of the range once <see cref="Run"/> succeeded).</summary>
    public PageRuns? Pages => _call?.Pages;

    public ulong Start => _address & _mm.System.Geometry.PageMask;

    /// <summary>0 pages and no errno: the registration holds; else the errno, with nothing left pinned.</summary>
    public GupOutcome Run()
    {
        if (_call is null)
        {
            var invalid = Validate();
            if (invalid != Errno.None)
                return new GupOutcome(0, invalid);
            _call = new GetUserPages(_mm, Start, _pages, Flags, fast: _kind == LongTermPinKind.IoUringBuffers);
        }
        var outcome = _call.Run();
        if (outcome.IsBlocked)
            return outcome;
        ulong taken = _call.Pages.Count;
        if (taken == _pages)
            return new GupOutcome(0, Errno.None);
        Release();
        // A short pin: io_uring answers EFAULT whatever happened; AF_XDP ENOMEM after some pages, GUP's errno after none.
        var error = _kind == LongTermPinKind.IoUringBuffers ? Errno.EFAULT
            : taken > 0 ? Errno.ENOMEM
            : outcome.Error == Errno.None ? Errno.EFAULT : outcome.Error;
        return new GupOutcome(0, error);
    }

    /// <summary>Kernel: io_buffer_validate(); xdp_umem_reg() (page-aligned start, whole chunks).</summary>
    private Errno Validate()
    {
        if (_kind == LongTermPinKind.IoUringBuffers)
        {
            if (_length == 0 || _length > IoUringMaxBuffer)
                return Errno.EFAULT;
            return _address > ulong.MaxValue - (_length + (ulong)_mm.System.PageSize - 1) ? Errno.EOVERFLOW : Errno.None;
        }
        if ((_address & ~_mm.System.Geometry.PageMask) != 0 || _address > ulong.MaxValue - _length)
            return Errno.EINVAL;
        if (_length < XdpChunk || _length % XdpChunk != 0 || _pages > uint.MaxValue)
            return Errno.EINVAL;
        return Errno.None;
    }

    /// <summary>The registration ends (unregistered, the socket closed, the process gone).</summary>
    public void Release()
    {
        if (_call is null)
            return;
        PinCounting.ReleaseAll(_mm.System, _call.Pages, Flags);
    }
}
