using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// One UFFDIO_COPY / ZEROPAGE / CONTINUE / POISON call: the front-end checks, then the per-page
/// loop, which may sleep when COPY's source takes a userfault and continues where it stopped.
/// </summary>
/// Kernel: userfaultfd_copy()/_zeropage()/_continue()/_poison() (fs/userfaultfd.c) and mfill_atomic() (mm/userfaultfd.c).
public sealed partial class FillOperation
{
    private readonly UffdContext _ctx;
    private readonly MmStruct _caller;
    private readonly ulong _dst;
    private readonly ulong _src;
    private readonly ulong _length;
    private readonly FillKind _kind;
    private readonly ulong _mode;
    private readonly uint _threadId;
    private long _copied;
    private ulong _pendingFolio;
    private int _pendingOrder;
    private bool _pendingFilled;

    public FillOperation(UffdContext ctx, MmStruct caller, FillKind kind, ulong dst, ulong src, ulong length, ulong mode, uint threadId)
    {
        _ctx = ctx;
        _caller = caller;
        _kind = kind;
        _dst = dst;
        _src = src;
        _length = length;
        _mode = mode;
        _threadId = threadId;
    }

    /// <summary>The address space of the task that made the call (the source of a COPY).</summary>
    public MmStruct Caller => _caller;

    private bool Wp => _kind switch
    {
        FillKind.Copy => (_mode & UffdUapi.CopyModeWp) != 0,
        FillKind.Continue => (_mode & UffdUapi.ContinueModeWp) != 0,
        _ => false,
    };

    private bool DontWake => (_mode & 1) != 0;

    /// <summary>The page this call keeps while it sleeps on its source's userfault, or 0.</summary>
    public ulong PendingFolio => _pendingFolio;

    /// <summary>The sleeping caller is gone for good (its process exits or was killed): the page it kept goes.</summary>
    public void Abandon()
    {
        if (_pendingFolio == 0)
            return;
        Folios.Put(_ctx.Mm.System, _pendingFolio);
        _pendingFolio = 0;
        _pendingFilled = false;
    }

    /// <summary>Runs the ioctl from the start.</summary>
    public IoctlOutcome Start()
    {
        var error = FrontEnd();
        return error != Errno.None ? IoctlOutcome.Fail(error) : Finish(BackEnd());
    }

    /// <summary>
    /// Continues after the sleep on the source's userfault ended. The faulting read of the source
    /// completes before the destination is looked at again, so a source that became unreadable
    /// meanwhile answers EFAULT even when the destination is no longer registered.
    /// </summary>
    public IoctlOutcome Resume()
    {
        if (_pendingFolio != 0 && !_pendingFilled)
        {
            var read = FaultInSource();
            if (read.IsBlocked)
                return read;
            if (read.Error != Errno.None)
                return Finish(read);
        }
        return Finish(BackEnd());
    }

    /// <summary>
    /// Reads the source, with faults, into the kept page (<see cref="PendingFolio"/>); the task may
    /// sleep on the source's userfault. On failure the page goes and the answer is EFAULT.
    /// </summary>
    /// Kernel: the copy_from_user() of mfill_atomic()'s -ENOENT retry, before its "goto retry".
    private IoctlOutcome FaultInSource()
    {
        var system = _ctx.Mm.System;
        ulong src = _src + (ulong)_copied;
        var fault = UserAccess.Read(_caller, src, system.Memory.Data(_pendingFolio, _pendingOrder), _threadId, fromUser: false);
        if (fault.Status == FaultStatus.Blocked)
            return new IoctlOutcome(Errno.None, 0, fault.Waiter);
        if (fault.Status != FaultStatus.Done)
        {
            Folios.Put(system, _pendingFolio);
            _pendingFolio = 0;
            return IoctlOutcome.Fail(Errno.EFAULT);
        }
        _pendingFilled = true;
        return new IoctlOutcome(Errno.None, 0);
    }

    /// <summary>Takes the kept page, filled from the source, out of the call's hands.</summary>
    private ulong TakeFilledSource()
    {
        ulong pfn = _pendingFolio;
        _pendingFolio = 0;
        _pendingFilled = false;
        return pfn;
    }

    private Errno FrontEnd()
    {
        if (!_ctx.Initialized)
            return Errno.EINVAL;
        if (_ctx.MmapChanging > 0)
            return Errno.EAGAIN;
        var geo = _ctx.Mm.System.Geometry;
        if (_kind == FillKind.Copy)
        {
            // 6.1 refuses only a source range that wraps; a source past the task size fails later, on the read (EFAULT).
            var srcError = _ctx.Mm.System.Kernel.CopyValidatesSource ? UffdRange.ValidateUnaligned(geo, _src, _length)
                : _src + _length <= _src ? Errno.EINVAL : Errno.None;
            if (srcError != Errno.None)
                return srcError;
        }
        var dstError = UffdRange.Validate(geo, _dst, _length);
        if (dstError != Errno.None)
            return dstError;
        ulong allowed = _kind switch
        {
            FillKind.Copy => UffdUapi.CopyModeDontWake | UffdUapi.CopyModeWp,
            FillKind.Continue => UffdUapi.ContinueModeDontWake | (_ctx.Mm.System.Kernel.ContinueModeWp ? UffdUapi.ContinueModeWp : 0),
            _ => 1,
        };
        if ((_mode & ~allowed) != 0)
            return Errno.EINVAL;
        if (!_ctx.Mm.Alive)
            return Errno.ESRCH;
        return Errno.None;
    }

    private IoctlOutcome Finish(IoctlOutcome backEnd)
    {
        if (backEnd.IsBlocked)
            return backEnd;
        if (_pendingFolio != 0)
        {
            Folios.Put(_ctx.Mm.System, _pendingFolio);
            _pendingFolio = 0;
        }
        if (_copied == 0)
            return IoctlOutcome.Fail(backEnd.Error);
        if (!DontWake)
            _ctx.Wake(_dst, (ulong)_copied);
        return (ulong)_copied == _length ? IoctlOutcome.Success(_copied) : new IoctlOutcome(Errno.EAGAIN, _copied);
    }

    /// <summary>Kernel: uffd_mfill_lock() and mfill_atomic(): revalidate the VMA (as after every retry), then fill page by page.</summary>
    private IoctlOutcome BackEnd()
    {
        var mm = _ctx.Mm;
        var system = mm.System;
        var vma = mm.Vmas.Find(_dst);
        if (vma is null)
            return IoctlOutcome.Fail(Errno.ENOENT);
        // The kernel prepares anon_vma as it locks the VMA, before it checks the range and the
        // registration: a fill refused with ENOENT still leaves one (MADV_COLLAPSE then allows
        // the VMA, for instance). Before the per-VMA locks only a page installed made one.
        if (!vma.IsShared && system.Kernel.FillLockPreparesAnonVma)
            Folios.EnsureAnonVma(mm, vma);
        if (_dst + _length > vma.End || vma.Uffd is null)
            return IoctlOutcome.Fail(Errno.ENOENT);
        if (_ctx.MmapChanging > 0)
            return IoctlOutcome.Fail(Errno.EAGAIN);
        if (Wp && !vma.Has(VmFlags.UffdWp))
            return IoctlOutcome.Fail(Errno.EINVAL);
        if (vma.IsHugetlb)
            return FillHugetlb(vma);
        if (!vma.IsAnonymous && !vma.IsShmem)
            return IoctlOutcome.Fail(Errno.EINVAL);
        if (!vma.IsShmem && _kind == FillKind.Continue)
            return IoctlOutcome.Fail(Errno.EINVAL);
        while ((ulong)_copied < _length)
        {
            if (!system.Checkpoint(mm))
                return IoctlOutcome.Fail(Errno.EINTR);
            ulong dst = _dst + (ulong)_copied;
            var walk = mm.Tables.Walk(dst, PageLevel.Pte, allocate: true);
            if (walk.Level != PageLevel.Pte)
                return IoctlOutcome.Fail(Errno.EEXIST);
            var step = _kind switch
            {
                FillKind.Copy when !vma.IsShared => CopyPrivate(vma, walk.Slot, dst),
                FillKind.Zeropage when !vma.IsShared => ZeropagePrivate(vma, walk.Slot, dst),
                FillKind.Continue => Continue(vma, walk.Slot, dst),
                FillKind.Poison => Poison(vma, walk.Slot, dst),
                _ => FillShared(vma, walk.Slot, dst),
            };
            if (step.IsBlocked)
                return step;
            if (step.Error != Errno.None)
                return step;
            _copied += (long)system.PageSize;
        }
        return IoctlOutcome.Success(_copied);
    }

    /// <summary>Kernel: mfill_atomic_pte_copy() — the source is read first, without and then with faults.</summary>
    private IoctlOutcome CopyPrivate(Vma vma, in Slot slot, ulong dst)
    {
        var system = _ctx.Mm.System;
        var read = ReadSource(out ulong pfn);
        if (read.Error != Errno.None || read.IsBlocked)
            return read;
        var error = Install(vma, slot, dst, pfn, inCache: false);
        if (error != Errno.None)
            Folios.Put(system, pfn);
        return new IoctlOutcome(error, 0);
    }

    /// <summary>
    /// Fills a fresh frame from the source page: atomically when it is mapped, else through a
    /// faulting read, which may put the task to sleep on the source's userfaultfd.
    /// </summary>
    private IoctlOutcome ReadSource(out ulong pfn)
    {
        var system = _ctx.Mm.System;
        if (_pendingFolio != 0)
        {
            // Back from the sleep on the source's userfault: Resume() has already read the source
            // into the page kept for it.
            pfn = TakeFilledSource();
            system.Ops.FlushDcachePage(pfn);
            return new IoctlOutcome(Errno.None, 0);
        }
        pfn = system.Memory.Allocate(0, zero: false);
        if (UserAccess.ReadAtomic(_caller, _src + (ulong)_copied, system.Memory.Data(pfn)))
        {
            system.Ops.FlushDcachePage(pfn);
            return new IoctlOutcome(Errno.None, 0);
        }
        _pendingFolio = pfn;
        _pendingOrder = 0;
        pfn = 0;
        var read = FaultInSource();
        if (read.IsBlocked || read.Error != Errno.None)
            return read;
        pfn = TakeFilledSource();
        system.Ops.FlushDcachePage(pfn);
        return new IoctlOutcome(Errno.None, 0);
    }

    /// <summary>Kernel: mfill_atomic_pte_zeropage() — the shared zero page, only over a strictly empty entry.</summary>
    private IoctlOutcome ZeropagePrivate(Vma vma, in Slot slot, ulong dst)
    {
        var mm = _ctx.Mm;
        var system = mm.System;
        if (OverSize(vma, dst))
            return IoctlOutcome.Fail(Errno.EFAULT);
        if (!mm.Tables.Get(slot).IsNone)
            return IoctlOutcome.Fail(Errno.EEXIST);
        ulong zero = system.Zero.PfnFor(dst);
        system.Ops.Record("my_zero_pfn", PageLevel.Pte, dst, 0, zero);
        FaultHandler.Install(mm, slot, dst, PageEntry.Page(zero, PageProt.Base(mm.System, vma) | EntryFlags.Special));
        return new IoctlOutcome(Errno.None, 0);
    }

    /// <summary>Kernel: shmem_mfill_atomic_pte() — a new page in the file's cache, then mapped.</summary>
    private IoctlOutcome FillShared(Vma vma, in Slot slot, ulong dst)
    {
        var mm = _ctx.Mm;
        var system = mm.System;
        ulong pfn;
        if (_kind == FillKind.Copy)
        {
            var read = ReadSource(out pfn);
            if (read.Error != Errno.None || read.IsBlocked)
                return read;
        }
        else
        {
            pfn = system.Memory.Allocate(0, zero: true);
        }
        var file = vma.File!;
        ulong index = vma.FileIndex(dst, system.PageShift);
        if (OverSize(vma, dst))
            return Drop(pfn, Errno.EFAULT);
        if (file.Cache.Lookup(index) != 0)
            return Drop(pfn, Errno.EEXIST);
        ref var d = ref system.Memory[pfn];
        d.Flags |= Physical.PageFlags.PageCache;
        d.Owner = file.Id;
        d.Index = index;
        file.Cache.Store(index, pfn);
        var error = Install(vma, slot, dst, pfn, inCache: true);
        if (error != Errno.None)
        {
            file.Cache.Store(index, 0);
            system.Memory[pfn].Flags &= ~Physical.PageFlags.PageCache;
            return Drop(pfn, error);
        }
        return new IoctlOutcome(Errno.None, 0);
    }

    /// <summary>Kernel: mfill_atomic_pte_continue() — map the page already in the cache.</summary>
    private IoctlOutcome Continue(Vma vma, in Slot slot, ulong dst)
    {
        var system = _ctx.Mm.System;
        var file = vma.File!;
        ulong index = vma.FileIndex(dst, system.PageShift);
        if (index << system.PageShift >= file.Size)
            return IoctlOutcome.Fail(Errno.EINVAL);
        ulong pfn = file.Cache.Lookup(index);
        if (pfn == 0)
            return IoctlOutcome.Fail(Errno.EFAULT);
        return new IoctlOutcome(Install(vma, slot, dst, pfn, inCache: true), 0);
    }

    /// <summary>Kernel: mfill_atomic_pte_poison() — a poison marker over a strictly empty entry.</summary>
    private IoctlOutcome Poison(Vma vma, in Slot slot, ulong dst)
    {
        var mm = _ctx.Mm;
        if (OverSize(vma, dst))
            return IoctlOutcome.Fail(Errno.EFAULT);
        if (!mm.Tables.Get(slot).IsNone)
            return IoctlOutcome.Fail(Errno.EEXIST);
        var marker = PteMarker.Make(PteMarker.Poisoned);
        mm.Tables.Set(slot, dst, marker);
        mm.System.Ops.UpdateMmuCache(dst, PageLevel.Pte, marker);
        return new IoctlOutcome(Errno.None, 0);
    }

    /// <summary>
    /// Maps the page over an empty entry (a marker counts as empty): dirty, writable when the VMA is
    /// and the page is not a cache page in a private mapping, uffd-wp in WP mode.
    /// </summary>
    /// Kernel: mfill_atomic_install_pte().
    private Errno Install(Vma vma, in Slot slot, ulong dst, ulong pfn, bool inCache)
    {
        var mm = _ctx.Mm;
        var flags = PageProt.Base(mm.System, vma) | EntryFlags.Dirty;
        if (vma.Has(VmFlags.Write) && !(inCache && !vma.IsShared))
            flags |= EntryFlags.Write;
        if (Wp)
            flags = (flags | EntryFlags.UffdWp) & ~EntryFlags.Write;
        if (OverSize(vma, dst))
            return Errno.EFAULT;
        if (!PteMarker.IsNoneMostly(mm.Tables.Get(slot)))
            return Errno.EEXIST;
        if (inCache)
            Folios.AddMap(mm, pfn);
        else
            Folios.AddNewAnonMap(mm, vma, pfn);
        FaultHandler.Install(mm, slot, dst, PageEntry.Page(pfn, flags));
        return Errno.None;
    }

    private IoctlOutcome Drop(ulong pfn, Errno error)
    {
        Folios.Put(_ctx.Mm.System, pfn);
        return IoctlOutcome.Fail(error);
    }

    /// <summary>Kernel: mfill_file_over_size().</summary>
    private bool OverSize(Vma vma, ulong dst)
    {
        if (vma.File is null)
            return false;
        var system = _ctx.Mm.System;
        ulong maxIndex = (vma.File.Size + system.PageSize - 1) >> system.PageShift;
        return vma.FileIndex(dst, system.PageShift) >= maxIndex;
    }
}
