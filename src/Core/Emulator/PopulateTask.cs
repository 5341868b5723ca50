using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Emulator;

/// <summary>
/// <c>madvise populate_read|populate_write</c>: faults every page in as an unlockable GUP does, so
/// a userfault sleeps (message flags: write for populate_write) and the walk resumes at that page.
/// A page is done only once the access is allowed: a fault may leave it still inaccessible (a
/// write on a uffd-wp marker first maps the page write-protected, and the next fault is the WP
/// userfault). No VMA answers ENOMEM, a VMA without the access EINVAL, SIGBUS/SIGSEGV EFAULT.
/// </summary>
/// Kernel: madvise_populate() -> faultin_page_range() -> __get_user_pages_locked(FOLL_UNLOCKABLE | FOLL_MADV_POPULATE), check_vma_flags() (mm/gup.c).
public sealed class PopulateTask(MmStruct mm, ulong start, ulong end, bool write, uint threadId) : EmulatedTask(mm)
{
    /// <summary>
    /// Faults one page may take before it must be accessible: a fault either maps the page or
    /// moves it one step on (marker to entry, read-only to writable), so more means a fault path
    /// that makes no progress.
    /// </summary>
    private const int FaultsPerPage = 8;

    private ulong _cursor = start;
    private int _faults;

    public override CommandResult? Run()
    {
        var system = Mm.System;
        while (_cursor < end)
        {
            if (!system.Checkpoint(Mm))
                return CommandResult.Error(Errno.EINTR);
            var vma = Mm.Vmas.Find(_cursor);
            if (vma is null)
                return CommandResult.Error(Errno.ENOMEM);
            if (!vma.Has(write ? VmFlags.Write : VmFlags.Read))
                return CommandResult.Error(Errno.EINVAL);
            if (UserAccess.Permits(Mm, _cursor, write, out int leafShift))
            {
                _cursor = UserAccess.PastLeaf(system, _cursor, leafShift, end);
                _faults = 0;
                continue;
            }
            if (++_faults > FaultsPerPage)
                throw new InvalidOperationException($"BUG: MADV_POPULATE faulted 0x{_cursor:x} {FaultsPerPage} times and it is still not accessible");
            var fault = FaultHandler.HandleMmFault(Mm, vma, new FaultInfo(_cursor, _cursor, write, FromUser: false, threadId));
            switch (fault.Status)
            {
                case FaultStatus.Done:
                    break;
                case FaultStatus.Blocked:
                    _faults = 0;
                    Waiter = fault.Waiter;
                    return null;
                case FaultStatus.SigBus:
                case FaultStatus.SigSegv:
                    return CommandResult.Error(Errno.EFAULT);
                case FaultStatus.HwPoison:
                    return CommandResult.Error(Errno.EHWPOISON);
                default:
                    return CommandResult.Error(Errno.ENOMEM);
            }
        }
        return CommandResult.Ok();
    }
}
