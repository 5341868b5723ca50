using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>A fault on a non-present, swap-format entry: a poison marker, a uffd-wp marker, or real swap.</summary>
/// Kernel: do_swap_page() -> handle_pte_marker(), pte_marker_handle_uffd_wp(), pte_marker_clear().
public static class MarkerFault
{
    public static FaultResult Handle(MmStruct mm, Vma vma, in Slot slot, in PageEntry entry, in FaultInfo fault)
    {
        if (!PteMarker.IsMarker(entry))
            throw new InvalidOperationException($"BUG: swap entry at 0x{fault.Address:x} but the emulator has no swap device");
        if (PteMarker.IsPoisoned(entry))
            return new FaultResult(FaultStatus.HwPoison);
        if (!PteMarker.IsUffdWp(entry))
            return FaultResult.SigBus;
        if (!vma.Has(VmFlags.UffdWp))
        {
            // A leftover marker after unregistration is simply dropped; the access retries.
            mm.Tables.Clear(slot, fault.Address & mm.System.Geometry.PageMask);
            return FaultResult.Done;
        }
        return vma.IsAnonymous
            ? AnonymousFault.Handle(mm, vma, slot, fault, origWp: true)
            : FileFault.Handle(mm, vma, slot, fault, origWp: true);
    }
}
