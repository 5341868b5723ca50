using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>The page-fault entry: finds the entry for the address and dispatches by its state.</summary>
/// Kernel: handle_mm_fault() -> __handle_mm_fault() -> handle_pte_fault() (mm/memory.c).
public static class FaultHandler
{
    public static FaultResult HandleMmFault(MmStruct mm, Vma vma, in FaultInfo fault)
    {
        if (vma.IsHugetlb)
            return HugetlbFault.Handle(mm, vma, fault);
        if (HugePmdFault.TryHandle(mm, vma, fault, out var huge))
            return huge;
        var walk = mm.Tables.Walk(fault.Address, PageLevel.Pte, allocate: true);
        if (walk.Level != PageLevel.Pte)
            return HandleUpperLeaf(mm, vma, walk, fault);
        var entry = walk.Entry;
        switch (entry.Kind)
        {
            case EntryKind.None:
                return vma.IsAnonymous ? AnonymousFault.Handle(mm, vma, walk.Slot, fault) : FileFault.Handle(mm, vma, walk.Slot, fault);
            case EntryKind.Swap:
                return MarkerFault.Handle(mm, vma, walk.Slot, entry, fault);
            case EntryKind.Page:
                if ((fault.Write || fault.Unshare) && !entry.Has(EntryFlags.Write))
                    return WriteProtectFault.Handle(mm, vma, walk.Slot, entry, fault);
                return FaultResult.Done;
            default:
                throw new InvalidOperationException($"BUG: a {entry.Kind} entry at pte level for 0x{fault.Address:x}");
        }
    }

    private static FaultResult HandleUpperLeaf(MmStruct mm, Vma vma, WalkResult walk, in FaultInfo fault)
    {
        if (walk.Entry.Kind == EntryKind.Page && mm.System.Arch.AccessPermitted(walk.Entry, fault.Write))
            return FaultResult.Done;
        throw new InvalidOperationException(
            $"BUG: {walk.Level.KernelName()} entry of kind {walk.Entry.Kind} at 0x{fault.Address:x} has no fault path yet");
    }

    /// <summary>Installs a new entry after a fault and lets the architecture update its MMU caches.</summary>
    /// Kernel: set_pte_at() + update_mmu_cache().
    internal static void Install(MmStruct mm, in Slot slot, ulong address, in PageEntry entry)
    {
        mm.Tables.Set(slot, address, entry);
        mm.System.Ops.UpdateMmuCache(address, slot.Level, entry);
    }
}
