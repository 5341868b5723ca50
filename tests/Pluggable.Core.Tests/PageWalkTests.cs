using Pluggable.Core.Arch;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Tests;

public class PageWalkTests
{
    private const ulong Base = 0x4000_0000;
    private const ulong Pmd = 1UL << 21;

    private static (PhysicalMemory Memory, PageTable Tables) Create()
    {
        var arch = new TestArchitecture();
        var memory = new PhysicalMemory(arch.Geometry.PageShift, 1UL << 30);
        return (memory, new PageTable(memory, new ArchOps(arch, memory)));
    }

    /// <summary>Writes down every callback; answers holes and leaves as told.</summary>
    private struct Recorder(PageTable tables) : IPageWalkOps
    {
        public List<string> Calls = [];
        public WalkAction OnHole = WalkAction.Continue;
        public bool SplitLeaves;
        public bool AlwaysAgain;
        public int StopAfterTables = int.MaxValue;

        public WalkAction Table(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            Calls.Add($"table {slot.Level.KernelName()} 0x{start:x}-0x{end:x}");
            return WalkAction.Continue;
        }

        public WalkAction Hole(in Slot slot, ulong start, ulong end)
        {
            Calls.Add($"hole {slot.Level.KernelName()} 0x{start:x}-0x{end:x}");
            return OnHole;
        }

        public WalkAction Leaf(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            Calls.Add($"leaf {slot.Level.KernelName()} 0x{start:x}-0x{end:x}");
            if (AlwaysAgain)
                return WalkAction.Again;
            if (!SplitLeaves)
                return WalkAction.Continue;
            tables.WriteRaw(slot, 0);
            tables.PopulateTable(slot, PageLevel.Pte, start);
            return WalkAction.Again;
        }

        public WalkAction HugePd(in Slot slot, ulong start, ulong end, in PageEntry entry)
        {
            Calls.Add($"hugepd 0x{start:x}");
            return WalkAction.Continue;
        }

        public WalkAction PteRange(in Slot first, ulong start, ulong end)
        {
            Calls.Add($"ptes [{first.Index}] 0x{start:x}-0x{end:x}");
            return --StopAfterTables == 0 ? WalkAction.Stop : WalkAction.Continue;
        }
    }

    [Fact]
    public void An_empty_terabyte_is_one_hole_per_empty_top_level_entry()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        var ops = new Recorder(tables);
        Assert.True(PageWalk.Range(tables, 0, 1UL << 40, ref ops));
        Assert.Equal(["hole pgd 0x0-0x8000000000", "hole pgd 0x8000000000-0x10000000000"], ops.Calls);
    }

    [Fact]
    public void A_populated_table_is_one_call_for_its_part_of_the_range_between_the_holes_around_it()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        tables.Walk(Base + Pmd, PageLevel.Pte, allocate: true);
        var ops = new Recorder(tables);
        Assert.True(PageWalk.Range(tables, Base + 0x5000, Base + 2 * Pmd + 0x3000, ref ops));
        Assert.Equal(
        [
            "table pgd 0x40005000-0x40403000",
            "table pud 0x40005000-0x40403000",
            "hole pmd 0x40005000-0x40200000",
            "table pmd 0x40200000-0x40400000",
            "ptes [0] 0x40200000-0x40400000",
            "hole pmd 0x40400000-0x40403000",
        ], ops.Calls);
    }

    [Fact]
    public void A_leaf_split_by_its_callback_is_read_again_and_walked_as_a_table()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        var pmd = tables.Walk(Base, PageLevel.Pmd, allocate: true);
        tables.Set(pmd.Slot, Base, PageEntry.Page(0x200, EntryFlags.User | EntryFlags.Huge));
        var ops = new Recorder(tables) { SplitLeaves = true };
        PageWalk.Range(tables, Base, Base + Pmd, ref ops);
        Assert.Equal(["leaf pmd 0x40000000-0x40200000", "table pmd 0x40000000-0x40200000", "ptes [0] 0x40000000-0x40200000"], ops.Calls.Skip(2));
    }

    [Fact]
    public void A_marker_in_a_leaf_slot_above_the_pte_is_a_leaf_for_the_callback()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        var pmd = tables.Walk(Base, PageLevel.Pmd, allocate: true);
        tables.Set(pmd.Slot, Base, PteMarker.Make(PteMarker.Poisoned));
        var ops = new Recorder(tables);
        Assert.True(PageWalk.Range(tables, Base, Base + Pmd, ref ops));
        Assert.Equal("leaf pmd 0x40000000-0x40200000", ops.Calls[^1]);
    }

    [Fact]
    public void A_callback_that_keeps_asking_to_read_a_slot_again_is_a_named_bug_not_a_hang()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        var pmd = tables.Walk(Base, PageLevel.Pmd, allocate: true);
        tables.Set(pmd.Slot, Base, PageEntry.Page(0x200, EntryFlags.User | EntryFlags.Huge));
        var ops = new Recorder(tables) { AlwaysAgain = true };
        var error = Assert.Throws<InvalidOperationException>(() => PageWalk.Range(tables, Base, Base + Pmd, ref ops));
        Assert.Contains("BUG: a page walk read the pmd entry at 0x40000000", error.Message);
    }

    [Fact]
    public void Install_creates_the_missing_tables_and_stop_ends_the_walk()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        long before = memory.UsedFrames;
        var ops = new Recorder(tables) { OnHole = WalkAction.Install, StopAfterTables = 2 };
        Assert.False(PageWalk.Range(tables, Base, Base + 4 * Pmd, ref ops));
        Assert.Equal(2, ops.Calls.Count(c => c.StartsWith("ptes")));
        Assert.Equal(before + 1 + 1 + 2, memory.UsedFrames);
        Assert.Equal(PageLevel.Pte, tables.Walk(Base + Pmd, PageLevel.Pte, allocate: false).Level);
        Assert.Equal(PageLevel.Pmd, tables.Walk(Base + 2 * Pmd, PageLevel.Pte, allocate: false).Level);
    }

    private struct HugeRecorder : IHugetlbWalkOps
    {
        public List<string> Calls;

        public WalkAction Entry(in HugePte pte, ulong start, ulong end)
        {
            Calls.Add($"entry 0x{start:x}-0x{end:x}");
            return WalkAction.Continue;
        }

        public WalkAction Hole(ulong start, ulong end)
        {
            Calls.Add($"hole 0x{start:x}-0x{end:x}");
            return WalkAction.Continue;
        }
    }

    [Fact]
    public void A_hugetlb_walk_steps_over_a_missing_table_at_once_and_visits_each_huge_page_under_a_present_one()
    {
        var (memory, tables) = Create();
        using var _ = memory;
        var size = new HugePageSize(21, PageLevel.Pmd, HugePlacement.Leaf);
        HugePteAlloc.Alloc(tables, size, Base);
        var ops = new HugeRecorder { Calls = [] };
        Assert.True(PageWalk.Hugetlb(tables, size, 0, Base + 2 * Pmd, ref ops));
        Assert.Equal(["hole 0x0-0x40000000", "entry 0x40000000-0x40200000", "entry 0x40200000-0x40400000"], ops.Calls);
    }
}
