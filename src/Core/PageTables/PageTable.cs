using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.PageTables;

/// <summary>
/// One address space's tables: raw words in frames, read and written through the plugin's codec
/// and hooks. Walks go through the five levels, passing folded ones; a walk ends early at a leaf,
/// a hugepd or a non-present entry above the target level.
/// </summary>
/// Kernel: pgd_offset()/p4d_offset()/.../pte_offset_map(), __pte_alloc(), mm/pgtable-generic.c.
public sealed unsafe class PageTable
{
    private readonly PhysicalMemory _memory;
    private readonly ArchOps _ops;
    private readonly PageGeometry _geo;
    private readonly LevelGeometry[] _unfolded;
    private readonly long _rootFrames;

    public PageTable(PhysicalMemory memory, ArchOps ops)
    {
        _memory = memory;
        _ops = ops;
        _geo = ops.Geometry;
        _unfolded = _geo.Levels.Where(l => !l.Folded).ToArray();
        Root = AllocateTable(PageLevel.Pgd, 0);
        _rootFrames = TableFrames;
    }

    /// <summary>The pgd's frame.</summary>
    public ulong Root { get; }

    /// <summary>Frames this address space uses for tables.</summary>
    public long TableFrames { get; private set; }

    /// <summary>The table frames below the pgd, which the kernel counts in an mm's page-table bytes.</summary>
    /// Kernel: mm_pgtables_bytes().
    public long TableFramesBelowRoot => TableFrames - _rootFrames;

    public IReadOnlyList<LevelGeometry> UnfoldedLevels => _unfolded;

    public ArchOps Ops => _ops;

    public ulong ReadRaw(in Slot slot) => Words(slot.Table, slot.Level).Read(slot.Index);

    public void WriteRaw(in Slot slot, ulong raw) => Words(slot.Table, slot.Level).Write(slot.Index, raw);

    /// <summary>The raw words of the table in frame <paramref name="table"/>, for a loop over its entries.</summary>
    public TableWords Words(ulong table, PageLevel level) =>
        new((byte*)_memory.Address(table), _geo.EntryBytes, _geo.WordsPerEntry(level), _geo.BigEndian);

    public PageEntry Get(in Slot slot) => _ops.Codec.Decode(slot.Level, ReadRaw(slot));

    /// <summary>
    /// Whether the slot holds nothing; a zero word is none on every architecture (the validator
    /// checks it at load), so the walks over sparse or fresh tables skip the codec there.
    /// </summary>
    /// Kernel: pte_none().
    public bool IsNone(in Slot slot) => IsNone(slot.Level, ReadRaw(slot));

    /// <summary>Whether <paramref name="raw"/>, read at <paramref name="level"/>, holds nothing.</summary>
    public bool IsNone(PageLevel level, ulong raw) => raw == 0 || _ops.Codec.Decode(level, raw).IsNone;

    /// <summary>Writes an entry through the plugin's set hook and codec.</summary>
    /// Kernel: set_pte_at() / set_pmd_at() / set_pud_at().
    public void Set(in Slot slot, ulong address, in PageEntry entry)
    {
        ulong raw = _ops.PrepareSet(slot.Level, address, entry);
        WriteRaw(slot, raw);
        if (_ops.Sink.Enabled)
            _ops.Sink.Record(new TraceEvent(SetHookName(slot.Level), slot.Level, address, 0, raw, entry.Frame, null));
    }

    /// <summary>Writes one slot of a huge page's entries.</summary>
    /// Kernel: set_huge_pte_at() (one slot of it).
    public void SetHuge(in Slot slot, ulong address, in PageEntry entry)
    {
        ulong raw = _ops.PrepareSet(slot.Level, address, entry);
        WriteRaw(slot, raw);
        if (_ops.Sink.Enabled)
            _ops.Sink.Record(new TraceEvent("set_huge_pte_at", slot.Level, address, 0, raw, entry.Frame, null));
    }

    /// <summary>Clears one slot of a huge page's entries and returns what it held.</summary>
    /// Kernel: huge_ptep_get_and_clear() (one slot of it).
    public PageEntry ClearHuge(in Slot slot, ulong address)
    {
        ulong raw = ReadRaw(slot);
        WriteRaw(slot, 0);
        if (_ops.Sink.Enabled)
            _ops.Sink.Record(new TraceEvent("huge_ptep_get_and_clear", slot.Level, address, 0, raw, 0, null));
        return _ops.Codec.Decode(slot.Level, raw);
    }

    /// <summary>
    /// Allocates a hugepte table and points the slot (and, for a page larger than the slot's span,
    /// the following slots the page covers) at it; returns the hugepd written.
    /// </summary>
    /// Kernel: __hugepte_alloc() -> hugepd_populate().
    public PageEntry PopulateHugePd(in Slot slot, int pageShift, ulong address)
    {
        int slotShift = _geo[slot.Level].Shift;
        int sharing = HugePdTable.SharingSlots(pageShift, slotShift);
        ulong table = AllocateHugePteTable(HugePdTable.Entries(pageShift, slotShift), address);
        var hugepd = PageEntry.HugePd(table, pageShift);
        ulong raw = _ops.Codec.Encode(slot.Level, hugepd);
        var first = slot with { Index = slot.Index & ~(sharing - 1) };
        for (int i = 0; i < sharing; i++)
        {
            if (ReadRaw(first.Next(i)) != 0)
                throw new InvalidOperationException($"BUG: hugepd slot {slot.Level.KernelName()}[{first.Index + i}] for 0x{address:x} is not empty");
            WriteRaw(first.Next(i), raw);
            if (_ops.Sink.Enabled)
                _ops.Sink.Record(new TraceEvent("hugepd_populate", slot.Level, address + ((ulong)i << slotShift), 0, raw, table, null));
        }
        return _ops.Codec.Decode(slot.Level, raw);
    }

    /// <summary>
    /// The final entry for <paramref name="address"/>, as the MMU reaches it: through tables, then
    /// through a hugepd to its hugepte when the walk ends on one.
    /// </summary>
    public LeafWalk WalkLeaf(ulong address)
    {
        var walk = Walk(address, PageLevel.Pte, allocate: false);
        var entry = walk.Entry;
        if (entry.Kind == EntryKind.HugePd)
        {
            var hugepte = HugePdTable.EntryFor(entry, _geo[walk.Level].Shift, address);
            return new LeafWalk(hugepte, Get(hugepte), entry.Shift);
        }
        int shift = _geo[walk.Level].Shift;
        if (entry.Kind == EntryKind.Page)
        {
            // A run slot is read by the run's rule, never by what the codec says its shift is.
            if (entry.Has(EntryFlags.Cont))
                shift = Math.Max(shift, _ops.RepeatedRunShift[(int)walk.Level]);
            else if (entry.Shift > shift)
                shift = entry.Shift;
        }
        return new LeafWalk(walk.Slot, entry, shift);
    }

    /// <summary>Clears an entry and returns what it held.</summary>
    /// Kernel: ptep_get_and_clear() / pmdp_huge_get_and_clear().
    public PageEntry Clear(in Slot slot, ulong address) => _ops.Codec.Decode(slot.Level, ClearRaw(slot, address));

    /// <summary>Clears an entry and returns the word it held, for a walk that decoded it already.</summary>
    /// Kernel: ptep_get_and_clear().
    public ulong ClearRaw(in Slot slot, ulong address)
    {
        ulong raw = ReadRaw(slot);
        WriteRaw(slot, 0);
        if (_ops.Sink.Enabled)
            _ops.Sink.Record(new TraceEvent(ClearHookName(slot.Level), slot.Level, address, 0, raw, 0, null));
        return raw;
    }

    /// <summary>Clears an entry and flushes its TLB entry when it was present.</summary>
    /// Kernel: ptep_clear_flush().
    public PageEntry ClearFlush(in Slot slot, ulong address)
    {
        var old = Clear(slot, address);
        if (old.Kind == EntryKind.Page)
            _ops.FlushTlbPage(address);
        return old;
    }

    /// <summary>
    /// Walks from the pgd toward <paramref name="target"/>. With <paramref name="allocate"/> missing
    /// tables are created; otherwise the walk stops at the first empty entry above the target.
    /// </summary>
    public WalkResult Walk(ulong address, PageLevel target, bool allocate)
    {
        ulong table = Root;
        for (int i = 0; i < _unfolded.Length; i++)
        {
            var level = _unfolded[i];
            var slot = new Slot(table, level.IndexOf(address), level.Level);
            var entry = Get(slot);
            if (level.Level >= target || i == _unfolded.Length - 1)
                return new WalkResult(slot, entry);
            if (entry.Kind == EntryKind.None)
            {
                if (!allocate)
                    return new WalkResult(slot, entry);
                table = PopulateTable(slot, _unfolded[i + 1].Level, address);
                continue;
            }
            if (entry.Kind != EntryKind.Table)
                return new WalkResult(slot, entry);
            table = entry.Frame;
        }
        throw new InvalidOperationException("page-table walk fell off the last level");
    }

    /// <summary>Allocates a table of <paramref name="childLevel"/> entries for the empty <paramref name="slot"/> and points the slot at it.</summary>
    /// Kernel: __pte_alloc() / __pmd_alloc() / __pud_alloc() -> pmd_populate() / pud_populate() / p4d_populate().
    public ulong PopulateTable(in Slot slot, PageLevel childLevel, ulong address)
    {
        ulong child = AllocateTable(childLevel, address);
        WriteRaw(slot, _ops.Codec.Encode(slot.Level, PageEntry.Table(child)));
        if (_ops.Sink.Enabled)
            _ops.Sink.Record(new TraceEvent(PopulateHookName(slot.Level), slot.Level, address, 0, ReadRaw(slot), child, null));
        return child;
    }

    public ulong AllocateTable(PageLevel level, ulong address)
    {
        int bytes = _geo.TableBytes(level);
        int order = 0;
        while ((_memory.PageSize << order) < bytes)
            order++;
        ulong pfn = _memory.Allocate(order, zero: true);
        _memory[pfn].Flags |= PageFlags.PageTable;
        TableFrames += 1L << order;
        _ops.Record("pgtable_alloc", level, address, 0, pfn);
        return pfn;
    }

    /// <summary>Kernel: the hugepte kmem caches (PGT_CACHE) of __hugepte_alloc().</summary>
    private ulong AllocateHugePteTable(int entries, ulong address)
    {
        int order = HugePteTableOrder(entries);
        ulong pfn = _memory.Allocate(order, zero: true);
        _memory[pfn].Flags |= PageFlags.PageTable;
        TableFrames += 1L << order;
        _ops.Record("hugepte_alloc", PageLevel.Pte, address, 0, pfn);
        return pfn;
    }

    private int HugePteTableOrder(int entries)
    {
        int order = 0;
        while ((_memory.PageSize << order) < entries * _geo.SlotBytes(PageLevel.Pte))
            order++;
        return order;
    }

    /// <summary>
    /// The PTE table kept for each anonymous PMD leaf (a THP or the huge zero page), by the leaf's
    /// address: a split takes it instead of allocating, a zap frees it, and it counts among the mm's
    /// page tables meanwhile, so a range under huge PMDs costs a table per PMD as on the kernel.
    /// </summary>
    /// Kernel: pgtable_trans_huge_deposit()/pgtable_trans_huge_withdraw(), mm_inc_nr_ptes() (mm/pgtable-generic.c, mm/huge_memory.c).
    private readonly Dictionary<ulong, ulong> _deposited = [];

    /// <summary>The deposited tables, by the address of their PMD leaf.</summary>
    public IReadOnlyDictionary<ulong, ulong> Deposited => _deposited;

    /// <summary>Allocates and deposits the table for a new anonymous PMD leaf at <paramref name="haddr"/>.</summary>
    public void Deposit(ulong haddr) => Deposit(haddr, AllocateTable(PageLevel.Pte, haddr));

    /// <summary>Deposits <paramref name="table"/> (collapse keeps the PTE table it emptied).</summary>
    public void Deposit(ulong haddr, ulong table)
    {
        if (!_deposited.TryAdd(haddr, table))
            throw new InvalidOperationException($"BUG: a second page table deposited for the PMD at 0x{haddr:x}");
    }

    /// <summary>Takes the table deposited for the leaf at <paramref name="haddr"/>; false for a leaf without one (a file THP).</summary>
    public bool TryWithdraw(ulong haddr, out ulong table) => _deposited.Remove(haddr, out table);

    /// <summary>The leaf moved (mremap, UFFDIO_MOVE): its deposit goes with it.</summary>
    public void MoveDeposit(ulong from, ulong to)
    {
        if (TryWithdraw(from, out ulong table))
            Deposit(to, table);
    }

    /// <summary>Frees the table deposited for a zapped leaf, if it had one.</summary>
    /// Kernel: zap_deposited_table().
    public void FreeDeposited(ulong haddr)
    {
        if (TryWithdraw(haddr, out ulong table))
            FreeTable(table, PageLevel.Pte, haddr);
    }

    public void FreeTable(ulong pfn, PageLevel level, ulong address)
    {
        int bytes = _geo.TableBytes(level);
        int order = 0;
        while ((_memory.PageSize << order) < bytes)
            order++;
        _memory[pfn].Flags &= ~PageFlags.PageTable;
        _memory.Free(pfn, order);
        TableFrames -= 1L << order;
        _ops.Record("pgtable_free", level, address, 0, pfn);
    }

    /// <summary>
    /// Frees the PTE table that maps the PMD-sized block at <paramref name="blockStart"/> when no
    /// entry is left in it, clearing the PMD's pointer; true when it was freed.
    /// </summary>
    /// Kernel: try_get_and_clear_pmd() + free_pte() (mm/pt_reclaim.c).
    public bool FreePteTableIfEmpty(ulong blockStart)
    {
        var walk = Walk(blockStart, PageLevel.Pmd, allocate: false);
        if (walk.Level != PageLevel.Pmd || walk.Entry.Kind != EntryKind.Table || !IsEmpty(walk.Entry.Frame, _geo[PageLevel.Pte]))
            return false;
        WriteRaw(walk.Slot, 0);
        FreeTable(walk.Entry.Frame, PageLevel.Pte, blockStart);
        return true;
    }

    /// <summary>
    /// Frees every table below the pgd that only covers addresses in [floor, ceiling) and lies
    /// within [start, end), clearing the pointers to them. Leaves must already be gone.
    /// </summary>
    /// Kernel: free_pgtables() / free_pgd_range().
    public void FreeRange(ulong start, ulong end, ulong floor, ulong ceiling)
    {
        FreeLevel(Root, 0, start, end, floor, ceiling, 0);
    }

    /// <summary>Frees every table, at teardown. Leaves must already be gone.</summary>
    public void FreeAll()
    {
        FreeLevel(Root, 0, 0, ulong.MaxValue, 0, ulong.MaxValue, 0);
        FreeTable(Root, PageLevel.Pgd, 0);
    }

    private void FreeLevel(ulong table, int depth, ulong start, ulong end, ulong floor, ulong ceiling, ulong baseAddress)
    {
        if (depth == _unfolded.Length - 1)
            return;
        var level = _unfolded[depth];
        ulong span = level.EntrySpan;
        for (int i = 0; i < level.Entries; i++)
        {
            ulong lo = baseAddress + (ulong)i * span;
            ulong hi = lo + span;
            if (hi <= start || lo >= end)
                continue;
            var slot = new Slot(table, i, level.Level);
            var entry = Get(slot);
            if (entry.Kind == EntryKind.HugePd)
            {
                FreeHugePd(slot, entry, lo, floor, ceiling);
                continue;
            }
            if (entry.Kind != EntryKind.Table)
                continue;
            FreeLevel(entry.Frame, depth + 1, start, end, floor, ceiling, lo);
            if (lo >= floor && hi <= ceiling && IsEmpty(entry.Frame, _unfolded[depth + 1]))
            {
                WriteRaw(slot, 0);
                FreeTable(entry.Frame, _unfolded[depth + 1].Level, lo);
            }
        }
    }

    /// <summary>
    /// Frees a hugepte table once, from the first of the slots that share it, clearing them all,
    /// when the page they cover lies within [floor, ceiling) and has no entry left.
    /// </summary>
    /// Kernel: free_hugepd_range() / hugetlb_free_pmd_range() (arch/powerpc/mm/hugetlbpage.c).
    private void FreeHugePd(in Slot slot, in PageEntry hugepd, ulong slotStart, ulong floor, ulong ceiling)
    {
        int slotShift = _geo[slot.Level].Shift;
        int sharing = HugePdTable.SharingSlots(hugepd.Shift, slotShift);
        if ((slot.Index & (sharing - 1)) != 0)
            return;
        ulong span = (ulong)sharing << slotShift;
        if (slotStart < floor || slotStart + span > ceiling)
            return;
        int entries = HugePdTable.Entries(hugepd.Shift, slotShift);
        for (int i = 0; i < entries; i++)
            if (ReadRaw(new Slot(hugepd.Frame, i, PageLevel.Pte)) != 0)
                return;
        for (int i = 0; i < sharing; i++)
            WriteRaw(slot.Next(i), 0);
        int order = HugePteTableOrder(entries);
        _memory[hugepd.Frame].Flags &= ~PageFlags.PageTable;
        _memory.Free(hugepd.Frame, order);
        TableFrames -= 1L << order;
        _ops.Record("hugepte_free", slot.Level, slotStart, 0, hugepd.Frame);
    }

    private bool IsEmpty(ulong table, LevelGeometry level)
    {
        for (int i = 0; i < level.Entries; i++)
            if (ReadRaw(new Slot(table, i, level.Level)) != 0)
                return false;
        return true;
    }

    private static string SetHookName(PageLevel level) => level switch
    {
        PageLevel.Pte => "set_pte_at",
        PageLevel.Pmd => "set_pmd_at",
        PageLevel.Pud => "set_pud_at",
        PageLevel.P4d => "set_p4d",
        _ => "set_pgd",
    };

    private static string ClearHookName(PageLevel level) => level switch
    {
        PageLevel.Pte => "ptep_get_and_clear",
        PageLevel.Pmd => "pmdp_huge_get_and_clear",
        PageLevel.Pud => "pudp_huge_get_and_clear",
        _ => "clear_" + level.KernelName(),
    };

    private static string PopulateHookName(PageLevel level) => level switch
    {
        PageLevel.Pgd => "pgd_populate",
        PageLevel.P4d => "p4d_populate",
        PageLevel.Pud => "pud_populate",
        _ => "pmd_populate",
    };
}
