using Pluggable.Core.Arch;
using Pluggable.Core.Mm;
using Pluggable.Core.Physical;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Tests;

/// <summary>The machine's bounds: its memory, the reserve past it, vm.max_map_count, the commit check at fork, retries and the deadline.</summary>
public class MachineLimitsTests
{
    private const ulong Mib = 1UL << 20;

    [Fact]
    public void An_allocation_that_may_fail_fails_at_the_machine_size_and_one_that_may_not_stops_at_the_reserve()
    {
        using var memory = new PhysicalMemory(12, 4 * Mib);
        Assert.Equal(1024, memory.TotalFrames);
        for (int i = 0; i < 1024; i++)
            Assert.True(memory.TryAllocate(0, zero: false, out _));
        Assert.False(memory.TryAllocate(0, zero: false, out _));
        Assert.False(memory.Exhausted);
        memory.Allocate(0, zero: false);
        Assert.True(memory.Exhausted);
        Assert.Equal(-1, memory.FreeFrames);
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            for (int i = 0; i < 4096; i++)
                memory.Allocate(0, zero: false);
        });
        Assert.Contains("an allocation of 1 page(s) would take the emulated machine past its memory (1024 pages) and its reserve (2048 pages)", e.Message);
        Assert.True(memory.BackedFrames <= 1024 + 2048, $"{memory.BackedFrames} frames backed");
    }

    [Fact]
    public void Kernel_objects_count_by_their_size_and_a_machine_too_small_is_refused()
    {
        using var memory = new PhysicalMemory(12, 4 * Mib);
        memory.ChargeKernel(100);
        Assert.Equal(1, memory.UsedFrames);
        memory.ChargeKernel(4000);
        Assert.Equal(2, memory.UsedFrames);
        memory.UnchargeKernel(4100);
        Assert.Equal(0, memory.UsedFrames);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(16, 16 * Mib));
        Assert.Contains("at least 512 pages of 65536 bytes", e.Message);
    }

    [Fact]
    public void Max_map_count_refuses_a_new_mapping_and_a_split_but_not_an_unmap_that_removes_one_piece()
    {
        // Without the checker: it walks every VMA after each of these 65530 mmaps.
        using var emu = Emu.Unchecked();
        var vmas = emu.System.Mms[0].Vmas;
        ulong first = 0, last = 0;
        while (vmas.Count <= VmaList.MaxMapCount)
        {
            last = emu.Map(2);
            if (first == 0)
                first = last;
        }
        Assert.Equal(VmaList.MaxMapCount + 1, vmas.Count);
        var r = emu.Backend.Mmap(0, new MmapRequest(null, Emu.P, false, Protection.Read, 0, false, 0), out _);
        Assert.Equal("ENOMEM", r.ToString());
        Assert.Equal("ENOMEM", emu.Backend.Mprotect(0, first, Emu.P, Protection.Read).ToString());
        Assert.Equal("ok", emu.Backend.Munmap(0, first, Emu.P).ToString());
        Assert.Equal(VmaList.MaxMapCount + 1, vmas.Count);
        Assert.Equal("ok", emu.Backend.Munmap(0, last, 2 * Emu.P).ToString());
        Assert.Equal(VmaList.MaxMapCount, vmas.Count);
    }

    [Fact]
    public void Fork_checks_each_accounted_vma_again()
    {
        // Verified live with 20g grown to 40g on a 23.5 GiB machine: fork ENOMEM; read-only again, fork ok.
        using var emu = new Emu(64 * Mib);
        ulong a = Map(emu, 48 * Mib, Protection.Read | Protection.Write);
        Assert.Equal("ok", emu.Backend.Mremap(0, a, 48 * Mib, 96 * Mib, out ulong b).ToString());
        Assert.Equal("ENOMEM", emu.Backend.Fork(0, out int child).ToString());
        Assert.Equal(-1, child);
        Assert.Single(emu.System.Mms);
        Assert.Equal("ok", emu.Backend.Mprotect(0, b, 96 * Mib, Protection.Read).ToString());
        Assert.Equal("ok", emu.Backend.Fork(0, out _).ToString());
    }

    [Fact]
    public void A_thp_fault_on_a_full_machine_maps_a_base_page_and_a_collapse_answers_enomem()
    {
        using var emu = Emu.Unchecked(8 * Mib);
        Assert.Equal("ok", emu.Backend.Thp(ThpPolicy.Always).ToString());
        ulong a = Map(emu, 4 * Mib, Protection.Read | Protection.Write);
        while (emu.System.Memory.TryAllocate(0, zero: false, out _) && emu.System.Memory.FreeFrames > 256)
        {
        }
        Assert.Equal("ok", emu.Touch(a, write: true));
        var walk = emu.System.Mms[0].Tables.Walk(a, PageLevel.Pte, allocate: false);
        Assert.Equal(PageLevel.Pte, walk.Level);
        Assert.Equal(EntryKind.Page, walk.Entry.Kind);
        Assert.Equal("ENOMEM", emu.Backend.Madvise(0, a, 2 * Mib, Advice.Collapse).ToString());
    }

    [Fact]
    public void A_retry_loop_that_makes_no_progress_names_itself()
    {
        var retry = new RetryBound("the test's loop");
        for (int i = 0; i < RetryBound.Limit; i++)
            retry.Attempt(0x1000);
        retry.Attempt(0x2000);
        for (int i = 1; i < RetryBound.Limit; i++)
            retry.Attempt(0x2000);
        var e = Assert.Throws<InvalidOperationException>(() => retry.Attempt(0x2000));
        Assert.Equal("BUG: the test's loop made no progress at 0x2000 in 16 attempts", e.Message);
    }

    [Fact]
    public void A_deadline_in_the_past_stops_a_loop_within_a_stride()
    {
        var deadline = new RunDeadline();
        for (int i = 0; i < 1000; i++)
            deadline.Check();
        deadline.Set(TimeSpan.Zero);
        Assert.False(deadline.Expired);
        Assert.Throws<TimeLimitExceededException>(() =>
        {
            for (int i = 0; i < 1000; i++)
                deadline.Check();
        });
        Assert.True(deadline.Expired);
    }

    private static ulong Map(Emu emu, ulong bytes, Protection prot)
    {
        var r = emu.Backend.Mmap(0, new MmapRequest(null, bytes, false, prot, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        return a;
    }
}
