using Pluggable.Core.Gup;
using Pluggable.Core.Mm;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Debug;

/// <summary>
/// The references that exist, counted per frame while the checker walks page tables, page caches,
/// pins and sleeping tasks: what every frame's reference, map and pin counts must then equal. The
/// zero page(s) are never counted, as the kernel never counts them; the huge zero folio counts the
/// references GUP takes on it, never its mappings. Reused
/// from check to check, so that a check allocates nothing once warm. In focus mode it also writes
/// down who holds the frames of one folio, for the message of a failed check.
/// </summary>
/// Kernel: what CONFIG_PAGE_TABLE_CHECK keeps per page (mm/page_table_check.c), extended to every holder.
public sealed class ReferenceCensus
{
    private readonly MemorySystem _system;
    private readonly Dictionary<ulong, Expected> _frames = [];
    private readonly Dictionary<MemoryFile, int> _files = [];
    private readonly List<string> _focusHolders = [];
    private ulong _focusFirst;
    private ulong _focusEnd;

    internal ReferenceCensus(MemorySystem system) => _system = system;

    public int PageShift => _system.PageShift;

    /// <summary>Frames nobody counts references to: the zero page(s). Kernel: is_zero_folio() in try_grab_folio().</summary>
    public bool Ignores(ulong pfn) => _system.Zero.IsZero(pfn);

    /// <summary>
    /// A pin (FOLL_PIN): the bias on a small page, one reference and one pin on a large folio. An
    /// anonymous page is only pinned exclusive, and stays so (fork copies it, nothing shares it).
    /// </summary>
    /// Kernel: try_grab_folio(FOLL_PIN), sanity_check_pinned_pages() (mm/gup.c).
    public void Pin(ulong pfn, in Holder who)
    {
        if (Ignores(pfn))
            return;
        ulong head = _system.Memory.HeadOf(pfn);
        if (Folios.IsAnon(_system, pfn) && !Folios.IsAnonExclusive(_system, pfn) && !Folios.IsAnonExclusive(_system, head))
            throw new DebugVmException($"pinned anonymous page 0x{pfn:x} is not exclusive ({who}; flags {_system.Memory[pfn].Flags})");
        ref var e = ref Slot(head);
        if (_system.Memory[head].Order > 0)
        {
            e.Refs++;
            e.Pins++;
        }
        else
        {
            e.Refs += PinCounting.Bias;
        }
        Note(head, who, "pin");
    }

    /// <summary>One plain reference on the folio of <paramref name="pfn"/> (FOLL_GET, or a page a task keeps).</summary>
    public void Reference(ulong pfn, in Holder who)
    {
        if (Ignores(pfn))
            return;
        ulong head = _system.Memory.HeadOf(pfn);
        Slot(head).Refs++;
        Note(head, who, "reference");
    }

    /// <summary>
    /// The pages one GUP caller holds, the first at <paramref name="start"/>: a pin or a reference
    /// on each, by <paramref name="kind"/> <paramref name="owner"/> at the page's address.
    /// </summary>
    public void Held(Gup.PageRuns pages, ulong start, bool pin, HolderKind kind, int owner)
    {
        ulong page = 0;
        foreach (var run in pages.Runs)
        {
            if (!(run.Repeats && Ignores(run.First)))
            {
                for (ulong i = 0; i < run.Count; i++)
                {
                    var who = new Holder(kind, owner, start + ((page + i) << PageShift));
                    if (pin)
                        Pin(run.PfnAt(i), who);
                    else
                        Reference(run.PfnAt(i), who);
                }
            }
            page += run.Count;
        }
    }

    /// <summary>An open descriptor of a memory file.</summary>
    public void OpenFile(MemoryFile file) => _files[file] = FileReferences(file) + 1;

    /// <summary>A PTE mapping <paramref name="pfn"/>: one mapping of the page, one reference on its folio.</summary>
    internal void PteMapping(ulong pfn, in Holder who)
    {
        Slot(pfn).Maps++;
        ulong head = _system.Memory.HeadOf(pfn);
        ref var e = ref Slot(head);
        e.Refs++;
        if (head != pfn)
            e.TailMaps++;
        Note(pfn, who, "mapping");
    }

    /// <summary>
    /// A PMD leaf mapping a THP: one entire mapping, which counts in every subpage's map count, and
    /// one reference. Kept on the head alone, so that a PMD costs one entry, not one per page.
    /// </summary>
    internal void PmdMapping(ulong head, in Holder who)
    {
        ref var e = ref Slot(head);
        e.Refs++;
        e.EntireMaps++;
        Note(head, who, "pmd mapping");
    }

    /// <summary>A hugetlb entry: the folio's mapping and reference, both kept on its head.</summary>
    internal void HugetlbMapping(ulong head, in Holder who)
    {
        ref var e = ref Slot(head);
        e.Maps++;
        e.Refs++;
        Note(head, who, "mapping");
    }

    /// <summary>A page-cache slot holding <paramref name="pfn"/>: one reference on its folio.</summary>
    internal void CacheEntry(ulong pfn, in Holder who)
    {
        ref var e = ref Slot(_system.Memory.HeadOf(pfn));
        e.Refs++;
        e.CacheRefs++;
        Note(pfn, who, "cache");
    }

    /// <summary>A pointer to a page table (or the mm's own pgd).</summary>
    internal void TableLink(ulong table, in Holder who)
    {
        Slot(table).Links++;
        Note(table, who, "table");
    }

    /// <summary>A VMA mapping a memory file holds a reference to it.</summary>
    internal void FileMapping(MemoryFile file) => _files[file] = FileReferences(file) + 1;

    internal int FileReferences(MemoryFile file) => _files.TryGetValue(file, out int n) ? n : 0;

    internal int Count => _frames.Count;

    internal bool TryGet(ulong pfn, out Expected expected) => _frames.TryGetValue(pfn, out expected);

    internal IEnumerable<ulong> Frames => _frames.Keys;

    internal IReadOnlyList<string> FocusHolders => _focusHolders;

    /// <summary>Forgets everything; with <paramref name="focusPages"/> &gt; 0, notes the holders of those frames.</summary>
    internal void Reset(ulong focusFirst = 0, ulong focusPages = 0)
    {
        _frames.Clear();
        _files.Clear();
        _focusHolders.Clear();
        _focusFirst = focusFirst;
        _focusEnd = focusFirst + focusPages;
    }

    private ref Expected Slot(ulong pfn) => ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_frames, pfn, out _);

    private void Note(ulong pfn, in Holder who, string what)
    {
        if (pfn >= _focusFirst && pfn < _focusEnd)
            _focusHolders.Add($"{who} ({what} of 0x{pfn:x})");
    }
}

/// <summary>
/// What the census expects of one frame: references, pins, page-cache slots and PMD mappings of a
/// head (and how many PTE mappings its tail pages have, so that a folio without any needs no
/// lookup per page), PTE mappings of a page, links to a table.
/// </summary>
internal struct Expected
{
    public long Refs;
    public long Maps;
    public long TailMaps;
    public long EntireMaps;
    public long Pins;
    public long Links;
    public long CacheRefs;
}
