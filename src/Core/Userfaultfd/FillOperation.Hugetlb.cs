using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Userfaultfd;

/// <summary>The hugetlb fill path: whole huge pages, one entry (or run, or hugepte) each.</summary>
/// Kernel: mfill_atomic_hugetlb() (mm/userfaultfd.c), hugetlb_mfill_atomic_pte() (mm/hugetlb.c).
public sealed partial class FillOperation
{
    /// <summary>
    /// ZEROPAGE has no hugetlb form (EINVAL); dst and len must be multiples of the huge page
    /// (EINVAL); then per huge page: an entry other than none or a marker stops with EEXIST, except
    /// for CONTINUE, which checks after finding its page.
    /// </summary>
    private IoctlOutcome FillHugetlb(Vma vma)
    {
        var mm = _ctx.Mm;
        var system = mm.System;
        var pool = Hugetlb.PoolOf(system, vma);
        ulong hsize = pool.Size.Size;
        if (_kind == FillKind.Zeropage)
            return IoctlOutcome.Fail(Errno.EINVAL);
        if (((_dst | _length) & (hsize - 1)) != 0)
            return IoctlOutcome.Fail(Errno.EINVAL);
        while ((ulong)_copied < _length)
        {
            if (!system.Checkpoint(mm))
                return IoctlOutcome.Fail(Errno.EINTR);
            ulong dst = _dst + (ulong)_copied;
            var pte = HugePteAlloc.Alloc(mm.Tables, pool.Size, dst);
            if (_kind != FillKind.Continue && !PteMarker.IsNoneMostly(HugePteOps.Get(mm.Tables, pte)))
                return IoctlOutcome.Fail(Errno.EEXIST);
            var step = _kind switch
            {
                FillKind.Poison => PoisonHuge(pte, dst),
                FillKind.Continue => ContinueHuge(vma, pte, dst),
                _ => CopyHuge(vma, pool, pte, dst),
            };
            if (step.IsBlocked || step.Error != Errno.None)
                return step;
            _copied += (long)hsize;
        }
        return IoctlOutcome.Success(_copied);
    }

    /// <summary>A huge poison marker, only over a strictly empty entry.</summary>
    private IoctlOutcome PoisonHuge(in HugePte pte, ulong dst)
    {
        var mm = _ctx.Mm;
        if (!HugePteOps.Get(mm.Tables, pte).IsNone)
            return IoctlOutcome.Fail(Errno.EEXIST);
        var marker = PteMarker.Make(PteMarker.Poisoned);
        HugePteOps.Set(mm.Tables, pte, dst, marker);
        mm.System.Ops.UpdateMmuCache(dst, pte.Slot.Level, marker);
        return new IoctlOutcome(Errno.None, 0);
    }

    /// <summary>Maps the page the file's cache holds: EFAULT when it holds none.</summary>
    private IoctlOutcome ContinueHuge(Vma vma, in HugePte pte, ulong dst)
    {
        var system = _ctx.Mm.System;
        ulong pfn = vma.File!.Cache.Lookup(Hugetlb.HugeIndex(system, vma, dst));
        if (pfn == 0)
            return IoctlOutcome.Fail(Errno.EFAULT);
        return new IoctlOutcome(InstallHuge(vma, pte, dst, pfn, inCache: true), 0);
    }

    /// <summary>
    /// A page from the pool (ENOMEM when it has none to give) filled from the source; a shared
    /// mapping puts it in the file's cache first (EEXIST when a page is there, EFAULT beyond EOF).
    /// When the source cannot be read without faulting, the page goes back with its reservation and
    /// the source is read, with faults, into a temporary page that takes no reservation (the task may
    /// sleep there, holding it); then the copy starts over from that page.
    /// </summary>
    /// Kernel: hugetlb_mfill_atomic_pte() and the -ENOENT retry of mfill_atomic() (copy_from_user() into *foliop).
    private IoctlOutcome CopyHuge(Vma vma, HugetlbPool pool, in HugePte pte, ulong dst)
    {
        var system = _ctx.Mm.System;
        ulong src = _src + (ulong)_copied;
        if (_pendingFolio != 0)
            return CopyHugeLocked(vma, pool, pte, dst, src, TakeFilledSource(), out _);
        var atomic = CopyHugeLocked(vma, pool, pte, dst, src, 0, out bool mustFault);
        if (!mustFault)
            return atomic;
        _pendingFolio = HugetlbReserve.AllocTemporary(system, pool);
        if (_pendingFolio == 0)
            return IoctlOutcome.Fail(Errno.ENOMEM);
        _pendingOrder = pool.Order;
        var read = FaultInSource();
        if (read.IsBlocked || read.Error != Errno.None)
            return read;
        ulong source = TakeFilledSource();
        return CopyHugeLocked(vma, pool, pte, dst, src, source, out _);
    }

    /// <summary>
    /// One attempt: from <paramref name="source"/> (a temporary page, consumed) when given, else from
    /// the source address without faulting; <paramref name="mustFault"/> when that read failed.
    /// </summary>
    private IoctlOutcome CopyHugeLocked(Vma vma, HugetlbPool pool, in HugePte pte, ulong dst, ulong src, ulong source, out bool mustFault)
    {
        mustFault = false;
        var system = _ctx.Mm.System;
        var file = vma.File!;
        ulong index = Hugetlb.HugeIndex(system, vma, dst);
        if (vma.IsShared && file.Cache.Lookup(index) != 0)
            return DropSource(source, Errno.EEXIST);
        ulong pfn = HugetlbReserve.AllocFolio(system, vma, index);
        // Linux 6.18 takes a failed allocation on the first attempt for a destination another thread
        // filled meanwhile, since its huge entry slot exists (the fill made it): EEXIST. The retry
        // from a temporary page, and every attempt before (KernelBehaviour), answer ENOMEM.
        if (pfn == 0)
            return DropSource(source, source == 0 && system.Kernel.HugetlbCopyAllocFailureIsEexist ? Errno.EEXIST : Errno.ENOMEM);
        var data = system.Memory.Data(pfn, pool.Order);
        if (source != 0)
        {
            system.Memory.Data(source, pool.Order).CopyTo(data);
            Folios.Put(system, source);
        }
        else if (!UserAccess.ReadAtomic(_caller, src, data))
        {
            HugetlbReserve.RestoreOnError(system, vma, index, pfn);
            Folios.Put(system, pfn);
            mustFault = true;
            return default;
        }
        system.Ops.FlushDcachePage(pfn);
        if (vma.IsShared)
        {
            if (index >= Hugetlb.HugePagesInFile(file))
                return DropHuge(vma, index, pfn, Errno.EFAULT);
            HugetlbFile.AddToCache(system, file, index, pfn);
            return new IoctlOutcome(InstallHuge(vma, pte, dst, pfn, inCache: true), 0);
        }
        var error = InstallHuge(vma, pte, dst, pfn, inCache: false);
        return error == Errno.None ? new IoctlOutcome(Errno.None, 0) : DropHuge(vma, index, pfn, error);
    }

    private IoctlOutcome DropSource(ulong source, Errno error)
    {
        if (source != 0)
            Folios.Put(_ctx.Mm.System, source);
        return IoctlOutcome.Fail(error);
    }

    /// <summary>Kernel: the out_release_nounlock path — restore_reserve_on_error() then folio_put().</summary>
    private IoctlOutcome DropHuge(Vma vma, ulong index, ulong pfn, Errno error)
    {
        HugetlbReserve.RestoreOnError(_ctx.Mm.System, vma, index, pfn);
        Folios.Put(_ctx.Mm.System, pfn);
        return IoctlOutcome.Fail(error);
    }

    /// <summary>
    /// Maps the huge page over an empty entry or a marker: dirty and young; writable when the VMA
    /// is, except in WP mode or for CONTINUE into a private mapping; uffd-wp in WP mode.
    /// </summary>
    private Errno InstallHuge(Vma vma, in HugePte pte, ulong dst, ulong pfn, bool inCache)
    {
        var mm = _ctx.Mm;
        var system = mm.System;
        if (!PteMarker.IsNoneMostly(HugePteOps.Get(mm.Tables, pte)))
            return Errno.EEXIST;
        if (inCache)
            HugetlbFolios.AddMap(system, pfn);
        else
            HugetlbFolios.AddNewAnon(mm, vma, pfn);
        bool writable = !Wp && !(_kind == FillKind.Continue && !vma.IsShared) && vma.Has(VmFlags.Write);
        var entry = HugetlbFault.MakeHugePte(mm.System, vma, pfn, writable).With(EntryFlags.Dirty | (Wp ? EntryFlags.UffdWp : EntryFlags.None));
        HugePteOps.Set(mm.Tables, pte, dst, entry);
        system.Ops.UpdateMmuCache(dst, pte.Slot.Level, entry);
        return Errno.None;
    }
}
