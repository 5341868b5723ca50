namespace Pluggable.Core.Physical;

/// <summary>
/// The state of one frame, kept in arrays (never one object per page). For a free block
/// <see cref="Link"/>/<see cref="Prev"/> chain the allocator's lists; for a tail page
/// <see cref="Link"/> is the head pfn; for a page-cache page <see cref="Owner"/>/<see cref="Index"/>
/// name the file and offset.
/// </summary>
/// Kernel: struct page / struct folio.
public struct PageDescriptor
{
    public int RefCount;

    /// <summary>Number of page-table entries mapping this page (page_mapcount, starting at 0 here).</summary>
    public int MapCount;

    /// <summary>Pins of a large folio (folio->_pincount); small pages count pins in the refcount.</summary>
    public int PinCount;

    /// <summary>
    /// PMD mappings of a large anonymous folio, on its head (folio->_entire_mapcount). Each of them
    /// also counts in every subpage's <see cref="MapCount"/>, so a folio's mappings are the sum of
    /// its subpages' map counts less (pages - 1) times this.
    /// </summary>
    public int EntireMapCount;

    public PageFlags Flags;
    public byte Order;
    public ulong Link;
    public ulong Prev;

    /// <summary>Owning file id (page cache) or 0.</summary>
    public int Owner;

    /// <summary>Offset in the owning file in base pages.</summary>
    public ulong Index;
}
