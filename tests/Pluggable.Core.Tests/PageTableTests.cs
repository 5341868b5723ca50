using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Tests;

public class PageTableTests
{
    private static (PhysicalMemory Memory, PageTable Tables) Create()
    {
        var arch = new TestArchitecture();
        var memory = new PhysicalMemory(arch.Geometry.PageShift, 1UL << 30);
        return (memory, new PageTable(memory, new ArchOps(arch, memory)));
    }

    [Fact]
    public void A_walk_allocates_one_table_per_unfolded_level_and_passes_the_folded_one()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        long root = memory.UsedFrames;
        var walk = tables.Walk(0x7f12_3456_7000, PageLevel.Pte, allocate: true);
        Assert.Equal(PageLevel.Pte, walk.Level);
        Assert.Equal((int)((0x7f12_3456_7000UL >> 12) & 511), walk.Slot.Index);
        Assert.Equal(root + 3, memory.UsedFrames);
        Assert.Equal(4, tables.UnfoldedLevels.Count);
    }

    [Fact]
    public void Entries_round_trip_through_the_codec_and_an_unallocated_walk_stops_early()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        Assert.Equal(PageLevel.Pgd, tables.Walk(0x4000_0000, PageLevel.Pte, allocate: false).Level);
        var slot = tables.Walk(0x4000_0000, PageLevel.Pte, allocate: true).Slot;
        var entry = PageEntry.Page(0x1234, EntryFlags.User | EntryFlags.Write | EntryFlags.Dirty);
        tables.Set(slot, 0x4000_0000, entry);
        Assert.Equal(entry, tables.Walk(0x4000_0000, PageLevel.Pte, allocate: false).Entry);
        Assert.Equal(entry, tables.Clear(slot, 0x4000_0000));
        Assert.True(tables.Get(slot).IsNone);
    }

    [Fact]
    public void Freeing_a_range_releases_tables_only_inside_floor_and_ceiling()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        long root = memory.UsedFrames;
        tables.Walk(0x4000_0000, PageLevel.Pte, allocate: true);
        tables.Walk(0x4000_0000 + (2UL << 20), PageLevel.Pte, allocate: true);
        Assert.Equal(root + 4, memory.UsedFrames);
        tables.FreeRange(0x4000_0000, 0x4000_0000 + (2UL << 20), 0x4000_0000, 0x4000_0000 + (2UL << 20));
        Assert.Equal(root + 3, memory.UsedFrames);
        tables.FreeRange(0, ulong.MaxValue, 0, ulong.MaxValue);
        Assert.Equal(root, memory.UsedFrames);
    }

    [Fact]
    public void The_dump_names_every_level_and_collapses_empty_runs()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        var slot = tables.Walk(0x4000_3000, PageLevel.Pte, allocate: true).Slot;
        tables.Set(slot, 0x4000_3000, PageEntry.Page(0x99, EntryFlags.User));
        var lines = PageTableDump.Describe(tables, 0x4000_0000, 0x5000, a => $"0x{a:x}");
        Assert.Equal(6, lines.Count);
        Assert.StartsWith("pgd[0] ", lines[0]);
        Assert.StartsWith("pud[1] ", lines[1]);
        Assert.StartsWith("pmd[0] ", lines[2]);
        Assert.Equal("pte[0..2] 0x40000000 none x3", lines[3]);
        Assert.StartsWith("pte[3] 0x40003000 0x", lines[4]);
        Assert.Contains("page pfn=0x99", lines[4]);
        Assert.Equal("pte[4] 0x40004000 none", lines[5]);
    }
}
