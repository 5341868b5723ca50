using Pluggable.Core.Mm;

namespace Pluggable.Core.Gup.Syscalls;

/// <summary>
/// One system call that reaches GUP (<see cref="GupSyscallProfile"/>), on the caller's own address
/// space: takes the pages of [address, address + length) as the call does, copies the caller's
/// bytes into them for a write, and lets every reference and pin go again before it returns, as
/// the kernel's copy loops do. Resumable: when GUP sleeps on a userfault the pages taken so far stay
/// held, and the call continues at the page that faulted.
/// </summary>
/// Kernel: the loops of process_vm_rw_single_vec(), __access_remote_vm(), iter_to_pipe() and iomap_dio_bio_iter();
/// lookup_node(), get_futex_key().
public sealed class GupSyscall
{
    private readonly MmStruct _mm;
    private readonly GupSyscallProfile _profile;
    private readonly ulong _start;
    private readonly ulong _offset;
    private readonly ulong _length;
    private readonly ulong _pages;
    private readonly Func<ulong, byte> _byteAt;
    private readonly bool _invalid;
    private readonly bool _misaligned;
    private GetUserPages? _call;
    private ulong _done;

    /// <param name="byteAt">For a write, the byte the caller's buffer holds at each offset of the range (the same for a whole base page of the range).</param>
    public GupSyscall(MmStruct mm, GupSyscallProfile profile, ulong address, ulong length, Func<ulong, byte> byteAt)
    {
        _mm = mm;
        _profile = profile;
        var system = mm.System;
        _start = address & system.Geometry.PageMask;
        _offset = address - _start;
        _pages = length == 0 ? 0 : (ulong)((_offset + (UInt128)length + (ulong)system.PageSize - 1) >> system.PageShift);
        _length = length;
        if (profile.PipeLimited && _pages > GupSyscallProfile.PipeBytes >> system.PageShift)
        {
            _pages = GupSyscallProfile.PipeBytes >> system.PageShift;
            _length = (_pages << system.PageShift) - _offset;
        }
        _byteAt = byteAt;
        _invalid = (profile.BlockSize > 0 && _length % profile.BlockSize != 0) || (profile.WordAligned && _offset % sizeof(uint) != 0);
        // A page's part of the buffer out of block size is found when the first bio is split, after
        // its pages were pinned (and faulted in): the I/O never starts.
        _misaligned = profile.BlockSize > 0 && _offset % profile.BlockSize != 0 && _offset + _length > (ulong)system.PageSize;
    }

    /// <summary>The pages the GUP call now in progress holds (for the consistency checker)...</summary>
    public PageRuns? Held => _call?.Pages;

    /// <summary>...from this address on.</summary>
    public ulong HeldFrom => _start + (_done << _mm.System.PageShift);

    public GupFlags Flags => _profile.Flags;

    /// <summary>Runs until the call ends (bytes done, or the errno) or GUP sleeps (<see cref="GupOutcome.IsBlocked"/>).</summary>
    public GupOutcome Run()
    {
        var system = _mm.System;
        if (_invalid)
            return new GupOutcome(0, Errno.EINVAL);
        while (_done < _pages)
        {
            ulong count = _profile.BatchPages(_pages, _pages - _done, (ulong)system.PageSize);
            _call ??= new GetUserPages(_mm, _start + (_done << system.PageShift), count, _profile.Flags, _profile.Fast);
            var outcome = _call.Run();
            if (outcome.IsBlocked)
                return outcome;
            if (_misaligned)
            {
                Release();
                return new GupOutcome(0, Errno.EINVAL);
            }
            ulong taken = _call.Pages.Count;
            Copy(_call.Pages);
            Release();
            _done += taken;
            if (taken < count || outcome.Error != Errno.None)
                return Result(outcome.Error);
        }
        return Result(Errno.None);
    }

    /// <summary>The call ends before its time (a fatal signal): what it holds goes.</summary>
    public void Abandon() => Release();

    private GupOutcome Result(Errno error)
    {
        if (_profile.AllOrNothing && _done < _pages)
            return new GupOutcome(0, Errno.EFAULT);
        if (_done == 0 && _pages > 0)
            return new GupOutcome(0, _profile.FirstPageError != Errno.None ? _profile.FirstPageError : error == Errno.None ? Errno.EFAULT : error);
        ulong bytes = Math.Min(_length, (_done << _mm.System.PageShift) - _offset);
        return new GupOutcome((long)bytes, Errno.None);
    }

    /// <summary>Kernel: copy_page_to_iter() / copy_to_user_page() into each page taken, for a write.</summary>
    private void Copy(PageRuns pages)
    {
        if (!_profile.Writes)
            return;
        var memory = _mm.System.Memory;
        ulong pageSize = (ulong)_mm.System.PageSize;
        ulong page = _done;
        foreach (var run in pages.Runs)
        {
            for (ulong i = 0; i < run.Count; i++, page++)
            {
                ulong from = page == 0 ? _offset : 0;
                ulong rangeStart = (page << _mm.System.PageShift) - _offset;
                ulong to = Math.Min(pageSize, _length + _offset - (page << _mm.System.PageShift));
                var data = memory.Data(run.PfnAt(i));
                // The caller's byte changes where a page of the range ends: at most twice a frame.
                for (ulong at = from; at < to;)
                {
                    ulong offset = rangeStart + at;
                    ulong end = Math.Min(to, at + pageSize - offset % pageSize);
                    data[(int)at..(int)end].Fill(_byteAt(offset));
                    at = end;
                }
                memory[memory.HeadOf(run.PfnAt(i))].Flags |= Physical.PageFlags.Dirty;
            }
        }
    }

    private void Release()
    {
        if (_call is null)
            return;
        PinCounting.ReleaseAll(_mm.System, _call.Pages, _profile.Flags);
        _call = null;
    }
}
