namespace Pluggable.Core.Arch;

/// <summary>
/// A decoded page-table entry. <see cref="Frame"/> is a frame number for Page/Table/HugePd entries
/// and the swap offset for Swap entries. For HugePd, <see cref="Shift"/> is the huge page shift the
/// hugepd encodes; for a Page it may carry the leaf's page shift when the architecture encodes it.
/// </summary>
public readonly record struct PageEntry(EntryKind Kind, ulong Frame, EntryFlags Flags, byte SwapType = 0, byte Shift = 0)
{
    public static readonly PageEntry Empty = default;

    public bool IsNone => Kind == EntryKind.None;
    public bool IsPage => Kind == EntryKind.Page;
    public bool Has(EntryFlags flag) => (Flags & flag) != 0;

    public static PageEntry Table(ulong pfn) => new(EntryKind.Table, pfn, EntryFlags.None);
    public static PageEntry Page(ulong pfn, EntryFlags flags) => new(EntryKind.Page, pfn, flags);
    public static PageEntry HugePd(ulong tablePfn, int pageShift) => new(EntryKind.HugePd, tablePfn, EntryFlags.None, 0, (byte)pageShift);
    public static PageEntry SwapEntry(byte type, ulong offset, EntryFlags flags) => new(EntryKind.Swap, offset, flags, type);

    public PageEntry With(EntryFlags set, EntryFlags clear = EntryFlags.None) => this with { Flags = (Flags | set) & ~clear };
}
