namespace Pluggable.Core.Arch;

/// <summary>
/// The shape of an architecture's page tables: base page size, the five levels, the width and byte
/// order of an entry in memory, and the user address limit.
/// </summary>
/// Kernel: asm/pgtable_types.h, asm/page.h (PAGE_SHIFT), TASK_SIZE.
public sealed class PageGeometry
{
    private readonly LevelGeometry[] _levels;

    /// <param name="pteCopies">How many times a pte's word is stored, side by side (see <see cref="PteCopies"/>).</param>
    public PageGeometry(int pageShift, int vaBits, ulong taskSize, int entryBytes, bool bigEndian, IReadOnlyList<LevelGeometry> levels, int pteCopies = 1)
    {
        if (levels.Count != PageLevels.Count)
            throw new ArgumentException($"a geometry needs exactly {PageLevels.Count} levels (pgd, p4d, pud, pmd, pte), got {levels.Count}");
        _levels = new LevelGeometry[PageLevels.Count];
        foreach (var l in levels)
            _levels[(int)l.Level] = l;
        PageShift = pageShift;
        VaBits = vaBits;
        TaskSize = taskSize;
        EntryBytes = entryBytes;
        BigEndian = bigEndian;
        PteCopies = pteCopies;
    }

    public int PageShift { get; }
    public ulong PageSize => 1UL << PageShift;
    public ulong PageMask => ~(PageSize - 1);

    /// <summary>Bits of virtual address the tables translate.</summary>
    public int VaBits { get; }

    /// <summary>First address user space may not use (mm->task_size).</summary>
    public ulong TaskSize { get; }

    /// <summary>Bytes of one table entry in memory (8, or 4 on 32-bit PowerPC).</summary>
    public int EntryBytes { get; }

    /// <summary>Entries are stored big-endian in memory (Book3S-64).</summary>
    public bool BigEndian { get; }

    /// <summary>
    /// How many words one pte occupies, each holding the same value: 1 everywhere but the 8xx with
    /// 16K pages, whose pte_t is four 32-bit words (the MMU works in 4K steps) that set_pte_at()
    /// writes alike and ptep_get() reads the first of. Hugepte tables hold ptes too.
    /// </summary>
    /// Kernel: pte_t of CONFIG_PPC_8xx with CONFIG_PPC_16K_PAGES (asm/pgtable-types.h), __set_pte_at(), ptep_get().
    public int PteCopies { get; }

    /// <summary>How many words one entry of <paramref name="level"/> is stored as: <see cref="PteCopies"/> for a pte, else 1.</summary>
    public int WordsPerEntry(PageLevel level) => level == PageLevel.Pte ? PteCopies : 1;

    /// <summary>Bytes one entry of <paramref name="level"/> occupies in its table.</summary>
    public int SlotBytes(PageLevel level) => EntryBytes * WordsPerEntry(level);

    public IReadOnlyList<LevelGeometry> Levels => _levels;

    public LevelGeometry this[PageLevel level] => _levels[(int)level];

    public int PmdShift => this[PageLevel.Pmd].Shift;
    public ulong PmdSize => 1UL << PmdShift;
    public int PudShift => this[PageLevel.Pud].Shift;

    /// <summary>The unfolded level directly above <paramref name="level"/>, or null for the top.</summary>
    public LevelGeometry? ParentOf(PageLevel level)
    {
        for (int i = (int)level - 1; i >= 0; i--)
            if (!_levels[i].Folded)
                return _levels[i];
        return null;
    }

    /// <summary>The unfolded level directly below <paramref name="level"/>, or null below pte.</summary>
    public LevelGeometry? ChildOf(PageLevel level)
    {
        for (int i = (int)level + 1; i < PageLevels.Count; i++)
            if (!_levels[i].Folded)
                return _levels[i];
        return null;
    }

    /// <summary>
    /// The end of the PTE table that maps <paramref name="address"/>, capped at <paramref name="limit"/>:
    /// how far a walk that reached the PTE level may go on slot by slot.
    /// </summary>
    /// Kernel: the pmd_addr_end() bound of the pte loops (zap_pte_range(), copy_pte_range(), ...).
    public ulong PteTableEnd(ulong address, ulong limit)
    {
        var pte = this[PageLevel.Pte];
        ulong span = pte.EntrySpan * (ulong)pte.Entries;
        ulong end = (address & ~(span - 1)) + span;
        return end == 0 || end > limit ? limit : end;
    }

    /// <summary>Bytes a table of <paramref name="level"/> occupies.</summary>
    public int TableBytes(PageLevel level) => this[level].Entries * SlotBytes(level);

    public override string ToString()
    {
        var parts = _levels.Where(l => !l.Folded).Select(l => $"{l.Name} {l.Shift}/{l.Entries}");
        var folded = _levels.Where(l => l.Folded).Select(l => l.Name).ToArray();
        var text = $"page {PageSize / 1024}K, {string.Join(", ", parts)}, va {VaBits} bits";
        if (PteCopies > 1)
            text += $", pte {PteCopies} x {EntryBytes} bytes";
        return folded.Length == 0 ? text : $"{text}, folded: {string.Join(" ", folded)}";
    }
}
