using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>A fault on a non-present, swap-format entry: a poison marker, a uffd-wp marker, or real swap.</summary>
/// Kernel: do_swap_page() -> handle_pte_marker(), pte_marker_handle_uffd_wp().
public static class MarkerFault
{
    public static FaultResult Handle(MmStruct mm, Vma vma, in Slot slot, in PageEntry entry, in FaultInfo fault)
    {
        if (!PteMarker.IsMarker(entry))
            throw new InvalidOperationException($"BUG: swap entry at 0x{fault.Address:x} but the emulator has no swap device");
        if (PteMarker.IsPoisoned(entry))
            return new FaultResult(FaultStatus.HwPoison);
        ulong address = fault.Address & mm.System.Geometry.PageMask;
        bool keepWp = vma.Has(VmFlags.UffdWp);
        if (!keepWp)
            mm.Tables.Clear(slot, address);
        if (vma.IsAnonymous)
            return AnonymousFault.Handle(mm, vma, slot, fault);
        return FileFault.Handle(mm, vma, slot, fault);
    }
}
