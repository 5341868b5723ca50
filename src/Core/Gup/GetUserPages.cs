using Pluggable.Core.Mm;

namespace Pluggable.Core.Gup;

/// <summary>
/// One get_user_pages / pin_user_pages call, fast or slow: the lockless walk first where asked,
/// then the slow loop that faults pages in. Resumable: an unlockable call that faults on a
/// userfaultfd-registered page sleeps, and continues at that page when woken. The count is the
/// kernel's unsigned long: a call asking for more pages than are mapped stops at the first hole,
/// so its cost follows the pages it takes.
/// </summary>
/// Kernel: gup_fast_fallback(), __get_user_pages(), faultin_page(), is_valid_gup_args() (mm/gup.c).
public sealed class GetUserPages
{
    /// <summary>
    /// Faults at one address that reported success while follow_page_mask still found no page.
    /// Each fault does what the next lookup needs (fault in, break COW, unshare), so a few in a row
    /// mean a fault path and the lookup disagree: the kernel would loop forever, the emulator stops.
    /// </summary>
    private const int MaxFaultsWithoutProgress = 4;

    private readonly MmStruct _mm;
    private readonly ulong _start;
    private readonly ulong _count;
    private readonly GupFlags _flags;
    private readonly bool _fast;
    private readonly PageRuns _pages = new();
    private bool _fastDone;
    private GupFlags _slowFlags;
    private int _faultsWithoutProgress;

    /// <param name="fast">Start with the lockless walk (the *_fast entry points).</param>
    public GetUserPages(MmStruct mm, ulong start, ulong count, GupFlags flags, bool fast)
    {
        _mm = mm;
        _start = start & mm.System.Geometry.PageMask;
        _count = count;
        _flags = flags;
        _fast = fast;
        _slowFlags = flags;
    }

    /// <summary>The frames taken, in address order (one per base page).</summary>
    public PageRuns Pages => _pages;

    public GupFlags Flags => _flags;

    public GupOutcome Run()
    {
        var system = _mm.System;
        if (!_fastDone)
        {
            var invalid = ValidateArguments();
            if (invalid != Errno.None)
                return new GupOutcome(0, invalid);
            if (_count == 0)
                return new GupOutcome(0, Errno.None);
            if ((_flags & GupFlags.Pin) != 0)
                _mm.HasPinned = true;
            if (_fast)
            {
                var range = FastRange(out ulong end);
                if (range != Errno.None)
                    return new GupOutcome(0, range);
                if (system.Arch.GupFastPermitted(_start, end))
                    GupFast.Walk(_mm, _start, _count, _flags, _pages);
                if (_pages.Count == _count || (_flags & GupFlags.FastOnly) != 0)
                    return new GupOutcome((long)_pages.Count, Errno.None);
                _slowFlags = _flags | GupFlags.Touch | GupFlags.Unlockable;
            }
            _fastDone = true;
        }
        return Slow();
    }

    /// <summary>Kernel: is_valid_gup_args() — GET and PIN exclude each other; LONGTERM needs PIN.</summary>
    private Errno ValidateArguments()
    {
        if ((_flags & (GupFlags.Get | GupFlags.Pin)) == (GupFlags.Get | GupFlags.Pin))
            return Errno.EINVAL;
        if ((_flags & GupFlags.LongTerm) != 0 && (_flags & GupFlags.Pin) == 0)
            return Errno.EINVAL;
        return Errno.None;
    }

    /// <summary>
    /// Kernel: gup_fast_fallback() — the byte length and the end must not wrap (EOVERFLOW) and the
    /// end must not pass TASK_SIZE_MAX (EFAULT), before any page is looked at.
    /// </summary>
    private Errno FastRange(out ulong end)
    {
        var geo = _mm.System.Geometry;
        end = 0;
        if (_count > ulong.MaxValue >> geo.PageShift)
            return Errno.EOVERFLOW;
        ulong length = _count << geo.PageShift;
        if (length > ulong.MaxValue - _start)
            return Errno.EOVERFLOW;
        end = _start + length;
        return end > geo.TaskSize ? Errno.EFAULT : Errno.None;
    }

    /// <summary>Kernel: __get_user_pages() — follow, fault, follow again; a short count when a later page fails.</summary>
    private GupOutcome Slow()
    {
        var system = _mm.System;
        Vma? vma = null;
        while (_pages.Count < _count)
        {
            if (!system.Checkpoint(_mm))
                return Stop(Errno.EINTR);
            ulong address = _start + (_pages.Count << system.PageShift);
            if (vma is null || address >= vma.End)
            {
                vma = _mm.Vmas.Find(address);
                if (vma is null)
                    return Stop(Errno.EFAULT);
                var denied = VmaAccessCheck.Check(system, vma, _slowFlags);
                if (denied != Errno.None)
                    return Stop(denied);
            }
            var found = FollowPage.Lookup(_mm, vma, address, _slowFlags);
            switch (found.Kind)
            {
                case FollowKind.Page:
                    Record(found, address);
                    _faultsWithoutProgress = 0;
                    continue;
                case FollowKind.Error:
                    return Stop(found.Error);
            }
            var fault = FaultIn(vma, address, found.Kind == FollowKind.NeedUnshare);
            if (fault.Status == FaultStatus.Blocked)
            {
                _slowFlags |= GupFlags.Tried;
                return new GupOutcome((long)_pages.Count, Errno.None, fault.Waiter);
            }
            if (fault.Status != FaultStatus.Done)
                return Stop(ToErrno(fault.Status));
            if (++_faultsWithoutProgress > MaxFaultsWithoutProgress)
                throw new InvalidOperationException(
                    $"BUG: get_user_pages made no progress at 0x{address:x}: {MaxFaultsWithoutProgress} faults ({_slowFlags}) succeeded " +
                    $"and follow_page_mask still answers {found.Kind} for {DescribeEntry(address)}");
        }
        return new GupOutcome((long)_pages.Count, Errno.None);
    }

    private string DescribeEntry(ulong address)
    {
        var leaf = _mm.Tables.WalkLeaf(address);
        return $"the {leaf.Entry.Kind} entry ({leaf.Entry.Flags}, frame 0x{leaf.Entry.Frame:x}) in VMA {_mm.Vmas.Find(address)}";
    }

    /// <summary>
    /// Kernel: the page_increm step — a huge mapping yields all its remaining subpages at once,
    /// with one more reference or pin for each.
    /// </summary>
    private void Record(in FollowResult found, ulong address)
    {
        var system = _mm.System;
        ulong index = address >> system.PageShift;
        ulong increment = Math.Min(1 + (~index & found.PageMask), _count - _pages.Count);
        _pages.Add(found.Pfn);
        for (ulong i = 1; i < increment; i++)
        {
            PinCounting.Grab(system, found.Pfn + i, _slowFlags);
            _pages.Add(found.Pfn + i);
        }
    }

    /// <summary>Kernel: faultin_page() — only an unlockable call may sleep on a userfault.</summary>
    private FaultResult FaultIn(Vma vma, ulong address, bool unshare)
    {
        if ((_slowFlags & GupFlags.NoFault) != 0)
            return FaultResult.SigSegv;
        var info = new FaultInfo(address, address, Write: (_slowFlags & GupFlags.Write) != 0 && !unshare, FromUser: false,
            ThreadId: 0, Unshare: unshare, NoRetry: (_slowFlags & GupFlags.Unlockable) == 0);
        return FaultHandler.HandleMmFault(_mm, vma, info);
    }

    /// <summary>Kernel: vm_fault_to_errno().</summary>
    private Errno ToErrno(FaultStatus status) => status switch
    {
        FaultStatus.Oom => Errno.ENOMEM,
        FaultStatus.HwPoison => (_slowFlags & GupFlags.HwPoison) != 0 ? Errno.EHWPOISON : Errno.EFAULT,
        _ => Errno.EFAULT,
    };

    /// <summary>Pages taken so far win over the error, which the caller sees on its next call.</summary>
    private GupOutcome Stop(Errno error) => _pages.Count > 0 ? new GupOutcome((long)_pages.Count, Errno.None) : new GupOutcome(0, error);
}
