using Pluggable.Core.Arch;
using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// One UFFDIO_MOVE call: the front-end checks, then the back end that moves anonymous pages (or
/// whole PMD leaves) from src to dst inside the context's own address space, and the wake of the
/// destination range that was filled.
/// </summary>
/// Kernel: userfaultfd_move() (fs/userfaultfd.c), move_pages() / validate_move_areas() (mm/userfaultfd.c).
public sealed class MoveOperation
{
    private readonly UffdContext _ctx;
    private readonly MmStruct _caller;
    private readonly ulong _dst;
    private readonly ulong _src;
    private readonly ulong _length;
    private readonly ulong _mode;

    public MoveOperation(UffdContext ctx, MmStruct caller, ulong dst, ulong src, ulong length, ulong mode)
    {
        _ctx = ctx;
        _caller = caller;
        _dst = dst;
        _src = src;
        _length = length;
        _mode = mode;
    }

    private bool AllowSrcHoles => (_mode & UffdUapi.MoveModeAllowSrcHoles) != 0;

    /// <summary>The address space of the task that made the call.</summary>
    public MmStruct Caller => _caller;

    public IoctlOutcome Run()
    {
        if (!_ctx.Initialized)
            return IoctlOutcome.Fail(Errno.EINVAL);
        if (_ctx.MmapChanging > 0)
            return IoctlOutcome.Fail(Errno.EAGAIN);
        if (!ReferenceEquals(_caller, _ctx.Mm))
            return IoctlOutcome.Fail(Errno.EINVAL);
        var geo = _ctx.Mm.System.Geometry;
        var error = UffdRange.Validate(geo, _dst, _length);
        if (error == Errno.None)
            error = UffdRange.Validate(geo, _src, _length);
        if (error == Errno.None && (_mode & ~(UffdUapi.MoveModeDontWake | UffdUapi.MoveModeAllowSrcHoles)) != 0)
            error = Errno.EINVAL;
        if (error != Errno.None)
            return IoctlOutcome.Fail(error);
        if (!_ctx.Mm.Alive)
            return IoctlOutcome.Fail(Errno.ESRCH);
        long moved = MovePages(out error);
        if (moved == 0)
            return IoctlOutcome.Fail(error);
        if ((_mode & UffdUapi.MoveModeDontWake) == 0)
            _ctx.Wake(_dst, (ulong)moved);
        return (ulong)moved == _length ? IoctlOutcome.Success(moved) : new IoctlOutcome(Errno.EAGAIN, moved);
    }

    /// <summary>Kernel: move_pages(); returns the bytes moved, and the error that stopped it.</summary>
    private long MovePages(out Errno error)
    {
        var mm = _ctx.Mm;
        var system = mm.System;
        var dstVma = mm.Vmas.Find(_dst);
        if (dstVma is null)
        {
            error = Errno.ENOENT;
            return 0;
        }
        if (!dstVma.IsShared)
            Folios.EnsureAnonVma(mm, dstVma);
        var srcVma = mm.Vmas.Find(_src);
        error = srcVma is null ? Errno.ENOENT
            : _ctx.MmapChanging > 0 ? Errno.EAGAIN
            : srcVma.IsShared || _src + _length > srcVma.End || dstVma.IsShared || _dst + _length > dstVma.End ? Errno.EINVAL
            : ValidateAreas(srcVma, dstVma);
        if (error != Errno.None)
            return 0;

        ulong pmdSize = system.Geometry.PmdSize;
        // The entry that points to a PTE table: the pmd, or on a two-level geometry the pgd entry the
        // folded pmd is (pmd_offset() returns the upper entry itself there).
        var pmdLevel = system.Geometry.ParentOf(PageLevel.Pte)!.Level;
        ulong srcEnd = _src + _length;
        ulong src = _src, dst = _dst;
        long moved = 0;
        var retry = new RetryBound("UFFDIO_MOVE's page loop");
        while (src < srcEnd)
        {
            retry.Attempt(src);
            if (!system.Checkpoint(mm))
            {
                error = Errno.EINTR;
                break;
            }
            var srcPmd = mm.Tables.Walk(src, pmdLevel, allocate: false);
            if (srcPmd.Level != pmdLevel)
            {
                if (!AllowSrcHoles)
                {
                    error = Errno.ENOENT;
                    break;
                }
                srcPmd = mm.Tables.Walk(src, pmdLevel, allocate: true);
            }
            var dstPmd = mm.Tables.Walk(dst, pmdLevel, allocate: true);
            if (dstPmd.Entry.Kind == EntryKind.Page)
            {
                error = Errno.EEXIST;
                break;
            }
            ulong step = system.PageSize;
            if (HugePmd.IsLeaf(srcVma!, srcPmd))
            {
                bool splits = (src & (pmdSize - 1)) != 0 || (dst & (pmdSize - 1)) != 0 || srcEnd - src < pmdSize;
                if (splits || !dstPmd.Entry.IsNone)
                {
                    if (!HugePmd.IsHugeZero(system, srcPmd.Entry) && !Folios.IsAnonExclusive(system, srcPmd.Entry.Frame))
                    {
                        error = Errno.EBUSY;
                        break;
                    }
                    HugePmdSplit.Split(mm, srcVma!, srcPmd.Slot, src);
                    continue;
                }
                error = HugePmdMove.Move(mm, dstVma, dstPmd.Slot, dst, srcPmd.Slot, src);
                step = pmdSize;
            }
            else
            {
                if (srcPmd.Entry.IsNone && !AllowSrcHoles)
                {
                    error = Errno.ENOENT;
                    break;
                }
                mm.Tables.Walk(src, PageLevel.Pte, allocate: true);
                mm.Tables.Walk(dst, PageLevel.Pte, allocate: true);
                error = MovePte.Move(mm, dstVma, dst, src, AllowSrcHoles);
            }
            if (error == Errno.EAGAIN)
                continue;
            if (error != Errno.None)
                break;
            src += step;
            dst += step;
            moved += (long)step;
        }
        return moved;
    }

    /// <summary>
    /// Kernel: validate_move_areas() — same access flags and protection, same mlock state, a
    /// writable source, no hugetlb, dst registered with this context, both anonymous.
    /// </summary>
    private Errno ValidateAreas(Vma src, Vma dst)
    {
        if ((src.Flags & VmFlags.AccessMask) != (dst.Flags & VmFlags.AccessMask) || PageProt.Base(_caller.System, src) != PageProt.Base(_caller.System, dst))
            return Errno.EINVAL;
        if (src.Has(VmFlags.Locked) != dst.Has(VmFlags.Locked))
            return Errno.EINVAL;
        if (!src.Has(VmFlags.Write))
            return Errno.EINVAL;
        if (src.IsHugetlb || dst.IsHugetlb)
            return Errno.EINVAL;
        if (!ReferenceEquals(dst.Uffd, _ctx))
            return Errno.EINVAL;
        if (!src.IsAnonymous || !dst.IsAnonymous)
            return Errno.EINVAL;
        return Errno.None;
    }
}
