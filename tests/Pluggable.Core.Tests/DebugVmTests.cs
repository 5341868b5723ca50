using Pluggable.Core.Debug;
using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.Physical;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Tests;

/// <summary>
/// The consistency checker catches each kind of broken bookkeeping, and names the frame, its counts
/// and its holders: the state is corrupted by hand, the way a bug in the core would leave it.
/// </summary>
public class DebugVmTests
{
    private const ulong P = Emu.P;

    private static DebugVmException Broken(Func<CommandResult> command) => Assert.Throws<DebugVmException>(() => command());

    [Fact]
    public void A_reference_nobody_holds_is_named_with_the_holders_that_exist()
    {
        var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true);
        Assert.True(UserAccess.TryTranslate(emu.System.Mms[0], a, false, out ulong pfn));
        emu.System.Memory[pfn].RefCount++;
        var e = Broken(() => emu.Backend.Pagemap(0, a, P));
        Assert.StartsWith("DEBUG_VM: ", e.Message);
        Assert.Contains($"pfn 0x{pfn:x}", e.Message);
        Assert.Contains("refcount 2, expected 1", e.Message);
        Assert.Contains($"held by: mm1 pte for 0x{a:x}", e.Message);
        emu.System.Memory[pfn].RefCount--;
        emu.Dispose();
    }

    [Fact]
    public void A_mapcount_out_of_step_with_the_tables()
    {
        var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true);
        Assert.True(UserAccess.TryTranslate(emu.System.Mms[0], a, false, out ulong pfn));
        emu.System.Memory[pfn].MapCount = 2;
        Assert.Contains("has mapcount 2, expected 1", Broken(() => emu.Backend.Pagemap(0, a, P)).Message);
        emu.System.Memory[pfn].MapCount = 1;
        emu.Dispose();
    }

    [Fact]
    public void A_frame_left_in_use_at_teardown_is_a_leak()
    {
        var emu = new Emu();
        ulong leaked = emu.System.Memory.Allocate(0, zero: true);
        var e = Assert.Throws<DebugVmException>(emu.Dispose);
        Assert.Contains($"pfn 0x{leaked:x}", e.Message);
        Assert.Contains("refcount 1, expected 0;", e.Message);
        Assert.EndsWith("held by: nothing", e.Message);
    }

    [Fact]
    public void A_table_nobody_points_to_is_a_leak()
    {
        var emu = new Emu();
        var tables = emu.System.Mms[0].Tables;
        ulong table = tables.AllocateTable(Arch.PageLevel.Pte, 0);
        Assert.Contains("mm1: 2 table frames counted, 1 reachable from the pgd", Broken(() => emu.Backend.Pagemap(0, 0, P)).Message);
        tables.FreeTable(table, Arch.PageLevel.Pte, 0);
        ulong stray = emu.System.Memory.Allocate(0, zero: true);
        emu.System.Memory[stray].Flags |= PageFlags.PageTable;
        var e = Broken(() => emu.Backend.Pagemap(0, 0, P));
        Assert.Contains($"pfn 0x{stray:x}", e.Message);
        Assert.Contains("is a page table linked 0 times", e.Message);
        emu.System.Memory.Free(stray, 0);
        emu.Dispose();
    }

    [Fact]
    public void Rss_counters_must_match_the_entries()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        emu.System.Mms[0].AnonRss++;
        Assert.Contains("bad rss counters: anon 1 (entries map 0)", Broken(() => emu.Backend.Pagemap(0, a, P)).Message);
        emu.System.Mms[0].AnonRss--;
    }

    [Fact]
    public void Vmas_must_not_overlap()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        ulong b = emu.Map(2);
        var second = emu.System.Mms[0].Vmas.Find(b)!;
        second.Start = a + P;
        Assert.Contains("overlaps or precedes the VMA before it", Broken(() => emu.Backend.Pagemap(0, a, P)).Message);
        second.Start = b;
    }

    [Fact]
    public void A_writable_entry_over_a_shared_anonymous_page()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true);
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        var mm = emu.System.Mms[0];
        var walk = mm.Tables.Walk(a, Arch.PageLevel.Pte, allocate: false);
        var entry = walk.Entry;
        mm.Tables.WriteRaw(walk.Slot, emu.System.Arch.Codec.Encode(Arch.PageLevel.Pte, entry.With(Arch.EntryFlags.Write)));
        Assert.Contains("is writable over an anonymous page that is not exclusive", Broken(() => emu.Backend.Pagemap(0, a, P)).Message);
        mm.Tables.WriteRaw(walk.Slot, emu.System.Arch.Codec.Encode(Arch.PageLevel.Pte, entry));
    }

    [Fact]
    public void Hugetlb_reservations_must_balance()
    {
        using var emu = new Emu();
        Assert.Equal("ok", emu.Backend.Hugepages(2UL << 20, 2).ToString());
        var pool = emu.System.Hugetlb.ForSize(2UL << 20)!;
        Assert.True(pool.Reserve(1));
        var e = Broken(() => emu.Backend.Hugepages(2UL << 20, 2));
        Assert.Contains("resv_huge_pages is 1 and 0 pages in use will give one back, but files and private mappings hold 0 reservations (none)", e.Message);
        pool.Unreserve(1);
    }

    [Fact]
    public void The_checker_is_off_unless_asked_for()
    {
        var backend = new EmulatorBackend(new TestArchitecture());
        backend.System.Memory.Allocate(0, zero: true);
        Assert.Equal("ok", backend.Mmap(0, new MmapRequest(null, P, false, Protection.Read, 0, false, 0), out _).ToString());
        backend.Dispose();
    }

    /// <summary>
    /// A COPY sleeping on its source's userfault keeps a page, and a GUP sleeping on a userfault
    /// keeps the pages it took: the checker counts them while they sleep, and at teardown the tasks
    /// die and drop them, so nothing is left.
    /// </summary>
    [Fact]
    public void Pages_sleeping_tasks_keep_are_counted_and_dropped_at_exit()
    {
        var emu = new Emu();
        ulong dst = emu.Map(1), src = emu.Map(1), g = emu.Map(4);
        int u = emu.Uffd();
        Assert.Equal("ok", emu.Backend.Register(0, u, dst, P, Userfaultfd.UffdUapi.RegisterModeMissing).ToString().Split(' ')[0]);
        Assert.Equal("ok", emu.Backend.Register(0, u, src, P, Userfaultfd.UffdUapi.RegisterModeMissing).ToString().Split(' ')[0]);
        Assert.Equal(ResultKind.Blocked, emu.Backend.Copy(0, u, dst, src, P, 0).Kind);
        emu.Touch(g, write: true);
        emu.Touch(g + P, write: true);
        Assert.Equal("ok", emu.Backend.Register(0, u, g + 2 * P, 2 * P, Userfaultfd.UffdUapi.RegisterModeMissing).ToString().Split(' ')[0]);
        var gup = emu.Backend.Gup(0, new GupRequest(g, 4, false, false, true, false, true, false, false));
        Assert.Equal(ResultKind.Blocked, gup.Kind);
        Assert.Equal("-", emu.Pagemap(dst, 1));
        emu.Dispose();
    }

    [Fact]
    public void A_pinned_anonymous_page_must_stay_exclusive()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true);
        Assert.Equal("1", emu.Backend.Gup(0, new GupRequest(a, 1, false, false, true, false, false, false, false)).ToString());
        Assert.Equal("ok", emu.Backend.Mprotect(0, a, P, Protection.Read).ToString());
        Assert.True(UserAccess.TryTranslate(emu.System.Mms[0], a, false, out ulong pfn));
        emu.System.Memory[pfn].Flags &= ~PageFlags.AnonExclusive;
        var e = Broken(() => emu.Backend.Pagemap(0, a, P));
        Assert.Contains($"pinned anonymous page 0x{pfn:x} is not exclusive (pin of process 0 at 0x{a:x}", e.Message);
        emu.System.Memory[pfn].Flags |= PageFlags.AnonExclusive;
    }

    [Fact]
    public void Every_slot_of_a_contiguous_run_maps_its_part_of_the_page()
    {
        var arch = new ShapesArchitecture(ShapesArchitecture.Shape.ContPte64K);
        using var emu = new Emu(arch);
        ulong hs = arch.DefaultHugePage!.Size;
        Assert.Equal("ok", emu.Backend.Hugepages(hs, 1).ToString());
        Assert.Equal("ok", emu.Backend.Memfd(0, "m", true, hs).ToString());
        Assert.Equal("ok", emu.Backend.Mmap(0, new MmapRequest("m", hs, true, Protection.Read | Protection.Write, 0, false, 0), out ulong a).ToString());
        Assert.Equal("ok", emu.Touch(a, write: true));
        var tables = emu.System.Mms[0].Tables;
        var third = tables.Walk(a + 3 * P, Arch.PageLevel.Pte, allocate: false).Slot;
        ulong raw = tables.ReadRaw(third);
        tables.WriteRaw(third, 0);
        Assert.Contains("starts a run of 16 slots whose slot 3 holds a None", Broken(() => emu.Backend.Pagemap(0, a, P)).Message);
        tables.WriteRaw(third, raw);
    }

    [Fact]
    public void A_page_marked_as_page_cache_must_be_in_a_cache()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true);
        Assert.True(UserAccess.TryTranslate(emu.System.Mms[0], a, false, out ulong pfn));
        emu.System.Memory[pfn].Flags |= PageFlags.PageCache;
        Assert.Contains("is marked as page cache, and 0 page-cache slots hold it", Broken(() => emu.Backend.Pagemap(0, a, P)).Message);
        emu.System.Memory[pfn].Flags &= ~PageFlags.PageCache;
    }
}
