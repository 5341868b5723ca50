using Pluggable.Core.Arch;

namespace Pluggable.Core.PageTables;

/// <summary>
/// What the MMU finds for an address: the slot holding the final entry (a pte, a leaf, one slot of
/// a run, or a hugepte behind a hugepd), that entry, and the shift of the bytes the entry's frame
/// starts: a slot's own span, or the page shift a hugepd or a repeating entry declares.
/// </summary>
public readonly record struct LeafWalk(Slot Slot, PageEntry Entry, int Shift)
{
    /// <summary>The frame behind <paramref name="address"/> when <see cref="Entry"/> maps a page.</summary>
    public ulong PfnOf(ulong address, int pageShift) => Entry.Frame + ((address & ((1UL << Shift) - 1)) >> pageShift);
}
