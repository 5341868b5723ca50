using Pluggable.Core.Mm;

namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// The address-space changes that monitors hear about: munmap and mremap with their UNMAP and
/// REMAP events, and the REMOVE event of a zapping madvise. Each prepares its events (raising
/// mmap_changing) around the change; the caller then posts them in order and sleeps on each until
/// it is read.
/// </summary>
/// Kernel: userfaultfd_unmap_prep(), mremap_userfaultfd_prep(), userfaultfd_remove() (fs/userfaultfd.c) as mm/vma.c, mm/mremap.c and mm/madvise.c call them.
public static class UffdEvents
{
    /// <summary>munmap: the unmap, then one UNMAP per context with EVENT_UNMAP, naming the requested range.</summary>
    public static Errno Munmap(MmStruct mm, ulong start, ulong length, List<UffdEventWaiter> events)
    {
        var error = Unmapping.Validate(mm, start, length, out ulong end);
        if (error != Errno.None)
            return error;
        PrepareUnmap(mm, start, end, events);
        Unmapping.Remove(mm, start, end);
        return Errno.None;
    }

    /// <summary>
    /// mremap of a whole mapping to a fresh gap. When the size stays the same it is a pure move,
    /// which takes every VMA of the range along (Linux 6.17 and later; before, it is a resize
    /// that happens to keep the size), VMA by VMA with the gaps
    /// between them kept: the range must start in a VMA, and a VMA registered with a userfaultfd
    /// may only move alone (EFAULT otherwise: at once when it is the first, after the VMAs before
    /// it moved when it is not). A resize moves the one VMA at the address; up to 6.12 a shrink
    /// unmaps the tail before it looks at that VMA.
    /// </summary>
    /// Kernel: do_mremap() -> remap_move() when vrm_move_only(), else check_prep_vma() + mremap_to().
    public static Errno Mremap(MmStruct mm, ulong address, ulong oldLength, ulong newLength, List<UffdEventWaiter> events, out ulong newAddress)
    {
        newAddress = 0;
        var error = Remap.CheckParams(mm.System.Geometry, address, ref oldLength, ref newLength);
        if (error != Errno.None)
            return error;
        if (oldLength != newLength || !mm.System.Kernel.MremapMovesManyVmas)
        {
            if (mm.Vmas.Find(address) is not { } vma)
                return Errno.EFAULT;
            error = Remap.FindGap(mm, vma, Remap.PlacedLength(vma, newLength), out newAddress);
            if (error == Errno.None)
                error = Remap.CheckVma(vma, address, newAddress, ref oldLength, ref newLength);
            // Up to 6.12 a shrink unmaps the tail before it checks that the rest lies in the VMA, so
            // the tail is gone even when that check fails; its UNMAP still comes after the REMAP,
            // as every unmap of the move does, and the REMAP reports the old length passed.
            var tail = new List<UffdEventWaiter>();
            ulong passed = oldLength;
            if (error is Errno.None or Errno.EFAULT && oldLength > newLength && !mm.System.Kernel.MremapChecksBeforeShrinking)
            {
                PrepareUnmap(mm, address + newLength, address + oldLength, tail);
                Unmapping.Remove(mm, address + newLength, address + oldLength);
                oldLength = newLength;
                vma = mm.Vmas.Find(address)!;
            }
            // Kernel: move_vma() charges the growth of an accounted mapping.
            if (error == Errno.None && vma.Has(VmFlags.Account) && newLength > oldLength && !Overcommit.Allows(mm.System, newLength - oldLength))
                error = Errno.ENOMEM;
            if (error == Errno.None)
                MoveVma(mm, vma, address, oldLength, newLength, newAddress, events, tail, passed);
            else
                events.AddRange(tail);
            return error;
        }
        ulong end = address + oldLength;
        var first = mm.Vmas.FindFrom(address);
        if (first is null || first.Start >= end || first.Start > address)
            return Errno.EFAULT;
        error = Remap.FindGap(mm, first, Remap.PlacedLength(first, oldLength), out newAddress);
        if (error != Errno.None)
            return error;
        ulong target = newAddress, lastEnd = first.Start;
        for (var vma = first; vma is not null && vma.Start < end; vma = mm.Vmas.FindFrom(lastEnd))
        {
            ulong from = Math.Max(vma.Start, address);
            ulong length = Math.Min(end, vma.End) - from, placed = length;
            ulong to = target + (vma.Start > lastEnd ? vma.Start - lastEnd : 0);
            lastEnd = vma.End;
            if (!Remap.MayMoveWithOthers(vma) && (vma != first || vma.End < end))
                return Errno.EFAULT;
            error = Remap.CheckVma(vma, from, to, ref length, ref placed);
            if (error != Errno.None)
                return error;
            MoveVma(mm, vma, from, length, placed, to, events, [], length);
            target = to + placed;
        }
        return Errno.None;
    }

    /// <summary>
    /// One VMA's move to <paramref name="target"/>: the shrunk tail is unmapped, the VMA and its
    /// entries move, the old range is unmapped. Events come out as REMAP (old start, new start,
    /// the old length once a shrunk tail is cut off: 6.18 reports the moved length, where 6.12
    /// reported the length the caller passed), then the UNMAPs of the tail and of the old range;
    /// nothing can be overwritten at a fresh destination, so there is no early UNMAP.
    /// </summary>
    /// Kernel: mremap_to() -> move_vma(), then userfaultfd_unmap_complete(), mremap_userfaultfd_complete(), userfaultfd_unmap_complete().
    /// <param name="unmaps">UNMAPs already prepared for this move (6.12's early tail), which come out after the REMAP.</param>
    /// <param name="passedLength">The old length the caller passed, which 6.12's REMAP reports.</param>
    private static void MoveVma(MmStruct mm, Vma vma, ulong address, ulong oldLength, ulong newLength, ulong target, List<UffdEventWaiter> events,
        List<UffdEventWaiter> unmaps, ulong passedLength)
    {
        ulong moveLength = Math.Min(oldLength, newLength);
        if (oldLength > newLength)
        {
            PrepareUnmap(mm, address + newLength, address + oldLength, unmaps);
            Unmapping.Remove(mm, address + newLength, address + oldLength);
            vma = mm.Vmas.Find(address)!;
        }
        var ctx = vma.Uffd as UffdContext;
        bool keep = ctx is not null && ctx.Has(UffdUapi.FeatureEventRemap);
        Remap.MoveVma(mm, vma, address, target, moveLength, newLength, keep);
        if (keep)
            events.Add(ctx!.PrepareEvent(new UffdMessage(UffdEvent.Remap, address, 0, target,
                mm.System.Kernel.RemapEventReportsMovedLength ? moveLength : passedLength, 0, 0)));
        PrepareUnmap(mm, address, address + moveLength, unmaps);
        Unmapping.Remove(mm, address, address + moveLength);
        events.AddRange(unmaps);
    }

    /// <summary>One UNMAP per (context, range): every context with EVENT_UNMAP owning a VMA in [start, end).</summary>
    /// Kernel: userfaultfd_unmap_prep() + has_unmap_ctx().
    public static void PrepareUnmap(MmStruct mm, ulong start, ulong end, List<UffdEventWaiter> events)
    {
        foreach (var vma in mm.Vmas.Intersecting(start, end))
        {
            if (vma.Uffd is not UffdContext ctx || !ctx.Has(UffdUapi.FeatureEventUnmap) || Listed(events, ctx, start, end))
                continue;
            events.Add(ctx.PrepareEvent(new UffdMessage(UffdEvent.Unmap, start, 0, 0, end - start, 0, 0)));
        }
    }

    /// <summary>The REMOVE event for [start, end) of a VMA about to be zapped, or null without EVENT_REMOVE.</summary>
    /// Kernel: userfaultfd_remove().
    public static UffdEventWaiter? PrepareRemove(Vma vma, ulong start, ulong end) =>
        vma.Uffd is UffdContext ctx && ctx.Has(UffdUapi.FeatureEventRemove)
            ? ctx.PrepareEvent(new UffdMessage(UffdEvent.Remove, start, 0, 0, end - start, 0, 0))
            : null;

    private static bool Listed(List<UffdEventWaiter> events, UffdContext ctx, ulong start, ulong end)
    {
        foreach (var e in events)
        {
            if (e.Context == ctx && e.Message.Address == start && e.Message.Length == end - start)
                return true;
        }
        return false;
    }
}
