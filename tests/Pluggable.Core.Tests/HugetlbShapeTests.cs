using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;
using Shape = Pluggable.Core.Tests.ShapesArchitecture.Shape;

namespace Pluggable.Core.Tests;

/// <summary>
/// Hugetlb on the placements x86_64 lacks: a 64K run of 16 PTEs, a 16M hugepd with a 16-entry
/// hugepte table, and a 4M page over two pmd slots sharing a one-entry table. Each is allocated,
/// mapped, translated, dumped, copied on write, filled through userfaultfd and freed.
/// </summary>
public class HugetlbShapeTests
{
    private const ulong P = Emu.P;

    public static TheoryData<Shape> Shapes => new() { Shape.ContPte64K, Shape.HugePd16MAtPud, Shape.HugePd4MOverPmds };

    private static (Emu Emu, ulong Hs) Start(Shape shape, ulong poolPages)
    {
        var arch = new ShapesArchitecture(shape);
        ArchitectureValidator.Validate(arch);
        var emu = new Emu(arch);
        ulong hs = arch.DefaultHugePage!.Size;
        Assert.Equal("ok", emu.Backend.Hugepages(hs, poolPages).ToString());
        Assert.Equal("ok", emu.Backend.Memfd(0, "m", true, 2 * hs).ToString());
        return (emu, hs);
    }

    private static ulong MapFile(Emu emu, ulong size, bool shared = true)
    {
        var r = emu.Backend.Mmap(0, new MmapRequest("m", size, shared, Protection.Read | Protection.Write, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        return a;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Shared_pages_are_mapped_whole_translate_per_base_page_and_free_their_tables(Shape shape)
    {
        var (emu, hs) = Start(shape, 4);
        using var _ = emu;
        var mm = emu.System.Mms[0];
        long tablesBefore = mm.Tables.TableFrames;
        ulong a = MapFile(emu, 2 * hs);
        ulong b = MapFile(emu, 2 * hs);
        Assert.Equal("ok", emu.Touch(a + hs + 5 * P + 7, write: true, value: 0x5a));
        Assert.Equal("ok 0x5a", emu.Touch(b + hs + 5 * P + 7));
        Assert.True(UserAccess.TryTranslate(mm, a + hs, false, out ulong head));
        for (ulong i = 0; i < hs / P; i++)
        {
            Assert.True(UserAccess.TryTranslate(mm, b + hs + i * P, false, out ulong pfn));
            Assert.Equal(head + i, pfn);
        }
        Assert.Equal(string.Join(",", Enumerable.Repeat("present+file", (int)(hs / P))), emu.Pagemap(a + hs, hs / P));
        Assert.Equal("-", emu.Pagemap(a, 1));

        var pool = emu.System.Hugetlb.ForSize(hs)!;
        Assert.Equal(3UL, pool.FreeHugepages);
        Assert.Equal("ok", emu.Backend.Munmap(0, a, 2 * hs).ToString());
        Assert.Equal("ok", emu.Backend.Munmap(0, b, 2 * hs).ToString());
        Assert.Equal(tablesBefore, mm.Tables.TableFrames);
        Assert.Equal(3UL, pool.FreeHugepages);
        Assert.Equal("ok", emu.Backend.Memfd(0, "m", true, 0).ToString());
        Assert.Equal(4UL, pool.FreeHugepages);
        Assert.Equal(0L, pool.ResvHugepages);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gup_slow_and_fast_walk_every_shape_down_to_the_subpages(Shape shape)
    {
        var (emu, hs) = Start(shape, 2);
        using var _ = emu;
        var mm = emu.System.Mms[0];
        ulong a = MapFile(emu, hs);
        Assert.Equal("ok", emu.Touch(a, write: true, value: 0x11));
        Assert.True(UserAccess.TryTranslate(mm, a, false, out ulong head));
        foreach (bool fast in new[] { false, true })
        {
            var gup = emu.Backend.Gup(0, new Scenarios.GupRequest(a + 2 * P, 3, Write: false, Force: false, Pin: true, LongTerm: false, Fast: fast, FastOnly: fast, Dump: true));
            Assert.Equal("3", gup.ToString());
            for (int i = 0; i < 3; i++)
                Assert.Contains($"pfn=0x{head + 2 + (ulong)i:x} ", gup.Detail![i]);
            Assert.Equal("ok", emu.Backend.Unpin(0, a + 2 * P, 3).ToString());
        }
    }

    [Fact]
    public void A_contiguous_run_is_written_break_before_make_with_advancing_frames()
    {
        var (emu, hs) = Start(Shape.ContPte64K, 2);
        using var _ = emu;
        ulong a = MapFile(emu, 2 * hs);
        emu.Backend.Trace(true);
        var touch = emu.Backend.Touch(0, a + hs + 3 * P, true, 1);
        var hooks = touch.Detail!.Select(l => l.TrimStart().Split(' ')[0]).Where(h => h is "huge_ptep_get_and_clear" or "flush_tlb_range" or "set_huge_pte_at").ToList();
        Assert.Equal(Enumerable.Repeat("huge_ptep_get_and_clear", 16).Append("flush_tlb_range").Concat(Enumerable.Repeat("set_huge_pte_at", 16)), hooks);
        emu.Backend.Trace(false);

        var dump = emu.Backend.Dump(0, a + hs, hs).Detail!.Where(l => l.StartsWith("pte[", StringComparison.Ordinal)).ToList();
        Assert.Equal(16, dump.Count);
        Assert.All(dump, l => Assert.Contains("Cont", l));
        var pfns = dump.Select(l => Convert.ToUInt64(l.Split("pfn=0x")[1].Split(' ')[0], 16)).ToList();
        Assert.Equal(Enumerable.Range(0, 16).Select(i => pfns[0] + (ulong)i), pfns);
    }

    [Fact]
    public void A_small_hugepd_page_is_one_hugepte_of_a_sixteen_entry_table()
    {
        var (emu, hs) = Start(Shape.HugePd16MAtPud, 2);
        using var _ = emu;
        ulong a = MapFile(emu, 2 * hs);
        emu.Touch(a, write: true);
        emu.Touch(a + hs, write: true);
        var dump = emu.Backend.Dump(0, a, 2 * hs).Detail!;
        Assert.Single(dump, l => l.StartsWith("pud[", StringComparison.Ordinal) && l.Contains("hugepd table"));
        var hugeptes = dump.Where(l => l.StartsWith("hugepte[", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, hugeptes.Count);
        int first = (int)((a & ((1UL << 28) - 1)) >> 24);
        Assert.StartsWith($"hugepte[{first}] ", hugeptes[0]);
        Assert.StartsWith($"hugepte[{first + 1}] ", hugeptes[1]);
    }

    [Fact]
    public void A_large_hugepd_page_shares_one_single_entry_table_between_two_slots()
    {
        var (emu, hs) = Start(Shape.HugePd4MOverPmds, 2);
        using var _ = emu;
        ulong a = MapFile(emu, 2 * hs);
        emu.Backend.Trace(true);
        var touch = emu.Backend.Touch(0, a + hs + P, true, 1);
        Assert.Single(touch.Detail!, l => l.TrimStart().StartsWith("hugepte_alloc", StringComparison.Ordinal));
        Assert.Equal(2, touch.Detail!.Count(l => l.TrimStart().StartsWith("hugepd_populate", StringComparison.Ordinal)));
        emu.Backend.Trace(false);
        var dump = emu.Backend.Dump(0, a + hs, hs).Detail!;
        var slots = dump.Where(l => l.StartsWith("pmd[", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, slots.Count);
        Assert.Equal(slots[0].Split("hugepd table ")[1], slots[1].Split("hugepd table ")[1]);
        Assert.Single(dump, l => l.StartsWith("hugepte[0] ", StringComparison.Ordinal));
        Assert.Equal("ok 0x01", emu.Touch(a + hs + P + (1UL << 21)  - (1UL << 21)));
        Assert.Equal("ok 0x00", emu.Touch(a + hs + (3UL << 20)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Private_pages_are_copied_on_write_after_fork(Shape shape)
    {
        var (emu, hs) = Start(shape, 4);
        using var _ = emu;
        ulong p = MapFile(emu, hs, shared: false);
        Assert.Equal("ok", emu.Touch(p + 2 * P, write: true, value: 0x11));
        Assert.Equal("ok", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal("present", emu.Pagemap(p, 1, child));
        Assert.Equal("ok", emu.Touch(p + 2 * P, write: true, value: 0x22, process: child));
        Assert.Equal("ok 0x11", emu.Touch(p + 2 * P));
        Assert.Equal("ok 0x22", emu.Touch(p + 2 * P, process: child));
        Assert.Equal("present+exclusive", emu.Pagemap(p + hs - P, 1, child));
        Assert.Equal("present+exclusive", emu.Pagemap(p, 1));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Userfaultfd_copy_and_poison_work_in_whole_huge_pages(Shape shape)
    {
        var (emu, hs) = Start(shape, 4);
        using var _ = emu;
        ulong a = MapFile(emu, 2 * hs);
        var src = emu.Backend.Mmap(0, new MmapRequest(null, hs, false, Protection.Read | Protection.Write, 0, false, 0), out ulong s);
        Assert.Equal("ok", src.ToString());
        Assert.Equal("ok", emu.Touch(s + hs - 1, write: true, value: 0x77));
        int u = emu.Uffd();
        Assert.Equal("ok ioctls=wake,copy,poison", emu.Backend.Register(0, u, a, 2 * hs, UffdUapi.RegisterModeMissing).ToString());
        Assert.StartsWith("blocked", emu.Touch(a + hs - 1));
        Assert.Equal(a, emu.Backend.Read(0, u).Message!.Value.Address);
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, a, s, P, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Zeropage(0, u, a, hs, 0).ToString());
        Assert.Equal(hs.ToString(), emu.Backend.Copy(0, u, a, s, hs, 0).ToString());
        Assert.Equal("ok 0x77", Assert.Single(emu.Completions()).Result.ToString());
        Assert.Equal("EEXIST", emu.Backend.Copy(0, u, a, s, hs, 0).ToString());
        Assert.Equal(hs.ToString(), emu.Backend.Poison(0, u, a + hs, hs, 0).ToString());
        Assert.Equal("SIGBUS", emu.Touch(a + hs + P));
        Assert.Equal("-", emu.Pagemap(a + hs, 1));
    }

    [Fact]
    public void Pools_exist_only_for_declared_sizes_and_stop_where_memory_runs_out()
    {
        var (emu, hs) = Start(Shape.HugePd16MAtPud, 1);
        using var _ = emu;
        Assert.Equal("EINVAL", emu.Backend.Hugepages(2UL << 20, 1).ToString());
        Assert.Equal("ok", emu.Backend.Hugepages(4UL << 20, 2).ToString());
        var pool = emu.System.Hugetlb.ForSize(hs)!;
        ulong before = pool.NrHugepages;
        ulong fits = (ulong)emu.System.Memory.FreeFrames * P / hs;
        Assert.Equal("ENOMEM", emu.Backend.Hugepages(hs, ulong.MaxValue).ToString());
        Assert.InRange(pool.NrHugepages - before, fits - 1, fits);
        Assert.Equal("EINVAL", emu.Backend.Memfd(0, "odd", true, hs + P).ToString());
    }

    /// <summary>EEXIST for the copy as the live 6.18 kernel answers it (conformance file hugetlb-copy-alloc-fails).</summary>
    [Fact]
    public void A_copy_without_a_page_to_give_is_eexist_and_a_fault_sigbus()
    {
        var (emu, hs) = Start(Shape.ContPte64K, 2);
        using var _ = emu;
        ulong a = MapFile(emu, 2 * hs);
        // A punched page takes its reservation with it (an index without a page would keep its own).
        Assert.Equal("ok", emu.Touch(a, write: true));
        Assert.Equal("ok", emu.Touch(a + hs, write: true));
        Assert.Equal("ok", emu.Backend.Madvise(0, a, 2 * hs, Advice.Remove).ToString());
        Assert.Equal("ok", emu.Backend.Hugepages(hs, 0).ToString());
        Assert.Equal("SIGBUS", emu.Touch(a));
        var src = emu.Backend.Mmap(0, new MmapRequest(null, hs, false, Protection.Read | Protection.Write, 0, false, 0), out ulong s);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 2 * hs, UffdUapi.RegisterModeMissing);
        Assert.Equal("EEXIST", emu.Backend.Copy(0, u, a, s, hs, 0).ToString());
    }
}
