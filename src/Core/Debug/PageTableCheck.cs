using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Debug;

/// <summary>
/// Walks every table of one address space, as populated (empty slots cost a read, empty ranges
/// nothing), counting into the census each table link and each mapping: a PTE, a THP's PMD leaf,
/// a hugetlb leaf, contiguous run (once, at its first slot) or hugepte (through its hugepd, once
/// for the slots that share it). Every entry must lie in a VMA of a kind that may hold it; a
/// writable entry needs a VM_WRITE VMA and, over an anonymous page, an exclusive one; the mm's RSS
/// counters and table count must match what was found.
/// </summary>
/// Kernel: mm/page_table_check.c (page_table_check_set()), check_mm() (kernel/fork.c: "Bad rss-counter
/// state", "non-zero pgtables_bytes"), the anon-exclusive rules of mm/rmap.c (__folio_rmap_sanity_checks()).
internal static class PageTableCheck
{
    public static void Check(MmStruct mm, ReferenceCensus census)
    {
        var walker = new Walker(mm, census);
        walker.Run();
    }

    private struct Walker(MmStruct mm, ReferenceCensus census)
    {
        private readonly MemorySystem _system = mm.System;
        private readonly PageTable _tables = mm.Tables;
        private long _anon;
        private long _file;
        private long _tableFrames;

        public void Run()
        {
            Link(_tables.Root, new Holder(HolderKind.TableLink, mm.Id, 0, "mm's pgd"));
            Table(_tables.Root, 0, 0);
            foreach (var (haddr, table) in _tables.Deposited)
            {
                var leaf = _tables.Walk(haddr, PageLevel.Pmd, allocate: false);
                if (leaf.Level != PageLevel.Pmd || leaf.Entry.Kind != EntryKind.Page)
                    throw new DebugVmException($"{mm}: a page table (pfn 0x{table:x}) is deposited for 0x{haddr:x}, where no PMD leaf is");
                Link(table, new Holder(HolderKind.TableLink, mm.Id, haddr, "deposited for a PMD leaf"));
            }
            if (_anon != mm.AnonRss || _file != mm.FileRss)
                throw new DebugVmException($"{mm}: bad rss counters: anon {mm.AnonRss} (entries map {_anon}), file {mm.FileRss} (entries map {_file})");
            if (_tableFrames != _tables.TableFrames)
                throw new DebugVmException($"{mm}: {_tables.TableFrames} table frames counted, {_tableFrames} reachable from the pgd");
        }

        private void Link(ulong table, in Holder who)
        {
            census.TableLink(table, who);
            _tableFrames += 1L << _system.Memory[table].Order;
        }

        private void Table(ulong table, int depth, ulong baseAddress)
        {
            var levels = _tables.UnfoldedLevels;
            var level = levels[depth];
            bool last = depth == levels.Count - 1;
            for (int i = 0; i < level.Entries; i++)
            {
                var slot = new Slot(table, i, level.Level);
                if (_tables.ReadRaw(slot) == 0)
                    continue;
                var entry = _tables.Get(slot);
                ulong address = baseAddress + ((ulong)i << level.Shift);
                switch (entry.Kind)
                {
                    case EntryKind.Table when !last:
                        Link(entry.Frame, new Holder(HolderKind.TableLink, mm.Id, address, level.Name));
                        Table(entry.Frame, depth + 1, address);
                        break;
                    case EntryKind.HugePd:
                        HugePd(slot, level, address, entry);
                        break;
                    case EntryKind.Page:
                        Leaf(slot, address, entry);
                        break;
                    case EntryKind.Swap:
                        Marker(level.Level, address, entry);
                        break;
                    case EntryKind.Table:
                        throw Bad(level.Level, address, entry, "points to a table below the last level");
                }
            }
        }

        /// <summary>
        /// The hugepte table behind a hugepd, visited from the first of the slots sharing it, which
        /// must all hold the same hugepd.
        /// </summary>
        private void HugePd(in Slot slot, LevelGeometry level, ulong address, in PageEntry hugepd)
        {
            int sharing = HugePdTable.SharingSlots(hugepd.Shift, level.Shift);
            if ((slot.Index & (sharing - 1)) != 0)
                return;
            ulong raw = _tables.ReadRaw(slot);
            for (int i = 1; i < sharing; i++)
            {
                if (_tables.ReadRaw(slot.Next(i)) != raw)
                    throw Bad(level.Level, address, hugepd, $"is a hugepd whose {i}th sharing slot holds something else");
            }
            Link(hugepd.Frame, new Holder(HolderKind.TableLink, mm.Id, address, level.Name + " hugepd"));
            int entries = HugePdTable.Entries(hugepd.Shift, level.Shift);
            for (int j = 0; j < entries; j++)
            {
                var hugepte = new Slot(hugepd.Frame, j, PageLevel.Pte);
                if (_tables.ReadRaw(hugepte) == 0)
                    continue;
                var entry = _tables.Get(hugepte);
                ulong at = address + (hugepd.Shift < level.Shift ? (ulong)j << hugepd.Shift : 0);
                if (entry.Kind == EntryKind.Page)
                    Hugetlb(VmaAt(level.Level, at, entry), hugepte, level.Level, at, entry, hugepd.Shift);
                else if (entry.Kind == EntryKind.Swap)
                    Marker(level.Level, at, entry);
                else
                    throw Bad(level.Level, at, entry, "is a hugepte that is neither a page nor a marker");
            }
        }

        private void Leaf(in Slot slot, ulong address, in PageEntry entry)
        {
            var level = slot.Level;
            var vma = VmaAt(level, address, entry);
            if (vma.IsHugetlb)
            {
                Hugetlb(vma, slot, level, address, entry, shift: 0);
                return;
            }
            if (entry.Has(EntryFlags.Write) && !vma.Has(VmFlags.Write))
                throw Bad(level, address, entry, $"is writable in a VMA without VM_WRITE, {vma}");
            ulong pfn = entry.Frame;
            if (level == PageLevel.Pmd)
            {
                if (HugePmd.IsHugeZero(_system, entry))
                    return;
                var head = _system.Memory[pfn];
                if (!vma.IsAnonymous || (head.Flags & PageFlags.Thp) == 0 || head.Order != Thp.PmdOrder(_system))
                    throw Bad(level, address, entry, $"is a pmd leaf that does not map a THP of {vma}");
                census.PmdMapping(pfn, new Holder(HolderKind.PmdLeaf, mm.Id, address));
                if (entry.Has(EntryFlags.Write) && !Folios.IsAnonExclusive(_system, pfn))
                    throw Bad(level, address, entry, "is a writable pmd leaf over a THP that is not exclusive");
                _anon += (long)Thp.PmdPages(_system);
                return;
            }
            if (level != PageLevel.Pte)
                throw Bad(level, address, entry, $"is a leaf above the pte level in {vma}");
            if (_system.Zero.IsZero(pfn))
            {
                if (entry.Has(EntryFlags.Write))
                    throw Bad(level, address, entry, "maps the zero page writable");
                return;
            }
            if (entry.Has(EntryFlags.Special))
                throw Bad(level, address, entry, "is special but does not map the zero page");
            census.PteMapping(pfn, new Holder(HolderKind.Pte, mm.Id, address));
            if (Folios.IsAnon(_system, pfn))
            {
                if (vma.IsShared)
                    throw Bad(level, address, entry, $"maps an anonymous page in a shared VMA, {vma}");
                if (entry.Has(EntryFlags.Write) && !Folios.IsAnonExclusive(_system, pfn))
                    throw Bad(level, address, entry, "is writable over an anonymous page that is not exclusive");
                _anon++;
            }
            else
            {
                _file++;
            }
        }

        /// <summary>
        /// A hugetlb mapping, counted once per huge page: at the page's first slot when the page is
        /// a contiguous run (whose other slots must map the rest of the page), and as found when
        /// reached through a hugepd (<paramref name="shift"/>).
        /// </summary>
        private void Hugetlb(Vma vma, in Slot slot, PageLevel level, ulong address, in PageEntry entry, int shift)
        {
            if (!vma.IsHugetlb)
                throw Bad(level, address, entry, $"is a hugepte in {vma}, which is not hugetlb");
            var size = Mm.Hugetlb.PoolOf(_system, vma).Size;
            bool placed = shift != 0
                ? size.Placement == HugePlacement.HugePd && size.Shift == shift && size.Level == level
                : size.Placement != HugePlacement.HugePd && size.Level == level;
            if (!placed)
                throw Bad(level, address, entry, $"is not where {size} pages of {vma} are placed");
            if ((address & (size.Size - 1)) != 0)
                return;
            ulong head = entry.Frame;
            ref var d = ref _system.Memory[head];
            if ((d.Flags & PageFlags.Hugetlb) == 0 || d.Order != size.Shift - _system.PageShift)
                throw Bad(level, address, entry, $"does not map a {size} hugetlb folio");
            if (vma.IsShared && HugetlbFolios.IsAnon(_system, head))
                throw Bad(level, address, entry, $"maps an anonymous huge page in a shared VMA, {vma}");
            var run = HugePte.At(slot, size, _system.Geometry);
            for (int i = 1; i < run.Slots; i++)
            {
                var part = _tables.Get(slot.Next(i));
                if (part.Kind != EntryKind.Page || part.Frame != head + (ulong)i * run.SlotPages)
                    throw Bad(level, address, entry, $"starts a run of {run.Slots} slots whose slot {i} holds a {part.Kind} of frame 0x{part.Frame:x}");
            }
            if (entry.Has(EntryFlags.Write))
            {
                if (!vma.Has(VmFlags.Write))
                    throw Bad(level, address, entry, $"is writable in a VMA without VM_WRITE, {vma}");
                if (!vma.IsShared && !Folios.IsAnonExclusive(_system, head))
                    throw Bad(level, address, entry, "is writable over a private hugetlb page that is not exclusive");
            }
            census.HugetlbMapping(head, new Holder(HolderKind.HugetlbEntry, mm.Id, address));
        }

        /// <summary>Non-present entries are PTE markers only (there is no swap device), inside a VMA.</summary>
        private void Marker(PageLevel level, ulong address, in PageEntry entry)
        {
            if (!PteMarker.IsMarker(entry))
                throw Bad(level, address, entry, "is a swap entry, and there is no swap device");
            VmaAt(level, address, entry);
        }

        private Vma VmaAt(PageLevel level, ulong address, in PageEntry entry) =>
            mm.Vmas.Find(address) ?? throw Bad(level, address, entry, "lies in no VMA");

        private DebugVmException Bad(PageLevel level, ulong address, in PageEntry entry, string what) =>
            new($"{mm} {level.KernelName()} entry for 0x{address:x} ({entry.Kind}, frame 0x{entry.Frame:x}, {entry.Flags}) {what}");
    }
}
