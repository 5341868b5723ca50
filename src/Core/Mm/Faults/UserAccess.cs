using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>
/// Loads and stores by a task, as the CPU does them: translate through the tables, fault when the
/// entry does not allow the access, retry. The hardware sets the accessed and dirty bits.
/// </summary>
/// Kernel: the CPU page walk + do_user_addr_fault() (arch/x86/mm/fault.c) and copy_{from,to}_user().
public static class UserAccess
{
    /// <summary>
    /// Makes <paramref name="address"/> accessible and returns its frame, or how the access failed
    /// (a signal, or a userfault the task now sleeps on).
    /// </summary>
    public static FaultResult Translate(MmStruct mm, ulong address, bool write, bool fromUser, uint threadId, out ulong pfn)
    {
        pfn = 0;
        var system = mm.System;
        var retry = new RetryBound("a user access's fault-and-retry loop");
        while (true)
        {
            retry.Attempt(address);
            var vma = mm.Vmas.Find(address);
            if (vma is null)
                return FaultResult.SigSegv;
            // The MMU looks at the entry first; the VMA's rights matter only to the fault that follows a refusal.
            if (TryTranslate(mm, address, write, out pfn))
                return FaultResult.Done;
            if (!Allows(system, vma, write))
                return FaultResult.SigSegv;
            var info = new FaultInfo(address & system.Geometry.PageMask, address, write, fromUser, threadId);
            var result = FaultHandler.HandleMmFault(mm, vma, info);
            if (result.Status != FaultStatus.Done)
                return result;
        }
    }

    /// <summary>The frame behind <paramref name="address"/> if the present entry allows the access; sets A/D like the MMU.</summary>
    public static bool TryTranslate(MmStruct mm, ulong address, bool write, out ulong pfn) =>
        TryTranslate(mm, address, write, out pfn, out _);

    /// <summary>
    /// As <see cref="TryTranslate(MmStruct, ulong, bool, out ulong)"/>, also giving the log2 span of
    /// the leaf that maps <paramref name="address"/> (a base page, a run, a huge page), so that a
    /// caller walking a range can step over what one entry maps.
    /// </summary>
    public static bool TryTranslate(MmStruct mm, ulong address, bool write, out ulong pfn, out int leafShift)
    {
        pfn = 0;
        leafShift = 0;
        var system = mm.System;
        var leaf = mm.Tables.WalkLeaf(address);
        var entry = leaf.Entry;
        if (entry.Kind != EntryKind.Page || !system.Arch.AccessPermitted(entry, write))
            return false;
        pfn = leaf.PfnOf(address, system.PageShift);
        leafShift = leaf.Shift;
        var wanted = write ? EntryFlags.Young | EntryFlags.Dirty : EntryFlags.Young;
        if ((entry.Flags & wanted) != wanted)
            mm.Tables.WriteRaw(leaf.Slot, system.Ops.Codec.Encode(leaf.Slot.Level, entry.With(wanted)));
        return true;
    }

    /// <summary>
    /// Whether the present entry behind <paramref name="address"/> allows the access, with no side
    /// effect: GUP's look at an entry, which (unlike the MMU) leaves the accessed and dirty bits alone.
    /// </summary>
    public static bool Permits(MmStruct mm, ulong address, bool write) => Permits(mm, address, write, out _);

    /// <summary>As <see cref="Permits(MmStruct, ulong, bool)"/>, also giving the log2 span of the leaf found.</summary>
    public static bool Permits(MmStruct mm, ulong address, bool write, out int leafShift)
    {
        var leaf = mm.Tables.WalkLeaf(address);
        leafShift = leaf.Shift;
        return leaf.Entry.Kind == EntryKind.Page && mm.System.Arch.AccessPermitted(leaf.Entry, write);
    }

    /// <summary>
    /// Where a walk over [.., <paramref name="end"/>) goes on after the leaf of log2 span
    /// <paramref name="leafShift"/> that maps <paramref name="address"/>: GUP steps over the rest of
    /// a huge leaf at once, so populating costs one look per huge page, not one per base page in it.
    /// </summary>
    /// Kernel: __get_user_pages() (page_increment from follow_page_mask()'s page_mask).
    public static ulong PastLeaf(MemorySystem system, ulong address, int leafShift, ulong end)
    {
        ulong leafEnd = (address | ((1UL << Math.Max(leafShift, system.PageShift)) - 1)) + 1;
        return Math.Max(address + system.PageSize, Math.Min(end, leafEnd));
    }

    /// <summary>Kernel: access_error() — the VMA must grant the access.</summary>
    public static bool Allows(MemorySystem system, Vma vma, bool write) =>
        write ? vma.Has(VmFlags.Write) : PageProt.ReadFaultAllowed(system, vma);

    /// <summary>Kernel: copy_from_user() with faults allowed; stops at the first failing page.</summary>
    public static FaultResult Read(MmStruct mm, ulong address, Span<byte> destination, uint threadId, bool fromUser)
    {
        var system = mm.System;
        int done = 0;
        while (done < destination.Length)
        {
            ulong at = address + (ulong)done;
            var result = Translate(mm, at, write: false, fromUser, threadId, out ulong pfn);
            if (result.Status != FaultStatus.Done)
                return result;
            int offset = (int)(at & (system.PageSize - 1));
            int chunk = Math.Min(destination.Length - done, (int)system.PageSize - offset);
            system.Memory.Data(pfn).Slice(offset, chunk).CopyTo(destination.Slice(done, chunk));
            done += chunk;
        }
        return FaultResult.Done;
    }

    /// <summary>Reads without faulting (copy_from_user with page faults disabled); false if any page is not accessible now.</summary>
    public static bool ReadAtomic(MmStruct mm, ulong address, Span<byte> destination)
    {
        var system = mm.System;
        int done = 0;
        while (done < destination.Length)
        {
            ulong at = address + (ulong)done;
            var vma = mm.Vmas.Find(at);
            if (vma is null || !Allows(system, vma, false) || !TryTranslate(mm, at, false, out ulong pfn))
                return false;
            int offset = (int)(at & (system.PageSize - 1));
            int chunk = Math.Min(destination.Length - done, (int)system.PageSize - offset);
            system.Memory.Data(pfn).Slice(offset, chunk).CopyTo(destination.Slice(done, chunk));
            done += chunk;
        }
        return true;
    }
}
