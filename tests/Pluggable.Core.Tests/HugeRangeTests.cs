using System.Diagnostics;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Tests;

/// <summary>
/// What a script asks for in size costs what is populated or printed: huge pagemap ranges, and
/// mprotect, madvise and munmap of huge sparse ranges, take milliseconds and a few managed
/// allocations; what does scale with the request (populating a terabyte) is bounded by the
/// machine's memory and the run's time limit.
/// </summary>
public class HugeRangeTests
{
    private const string Sparse = """
        mmap a anon 1p
        touch a write
        pagemap a 102400g
        pagemap a 0xffffffffffffffff
        pagemap a 4096g
        mmap b anon 1000g prot=r
        touch b read
        touch b+500g read
        pagemap b 1000g
        mprotect b 1000g none
        madvise b 1000g dontneed
        munmap b 1000g
        memfd f shmem 1000g
        mmap c file=f
        touch c+999g write
        madvise c 1000g remove
        munmap c 1000g
        munmap a 0x7fffffffffff
        """;

    [Fact]
    public void Huge_sparse_ranges_cost_what_is_populated()
    {
        EmulatorBackend? backend = null;
        var stdout = new StringWriter { NewLine = "\n" };
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        int exit = ScenarioRunner.RunText("sparse.scenario", Sparse, () => backend = new EmulatorBackend(new TestArchitecture(), options: Emu.Checked), stdout, TextWriter.Null);
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(0, exit);
        var lines = stdout.ToString().Split('\n');
        // The task size is 2^47 - 1 page and a lies 2^16 pages up: 2^35 - 2^16 - 1 pages from a to the top, all reported.
        Assert.Equal("pagemap a 102400g -> present+exclusive, - x26843545599", lines[2]);
        Assert.Equal("pagemap a 0xffffffffffffffff -> present+exclusive, - x34359672830", lines[3]);
        Assert.Equal("pagemap b 1000g -> present+zero, - x131071999, present+zero, - x131071999", lines[8]);
        Assert.True(clock.ElapsedMilliseconds < 5000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.True(allocated < 16 << 20, $"allocated {allocated} managed bytes");
        Assert.True(backend!.System.Memory.BackedFrames <= 2 * Physical.PhysicalMemory.SectionFrames, $"{backend.System.Memory.BackedFrames} frames backed");
    }

    [Fact]
    public void Populating_a_terabyte_stops_at_the_machine_or_the_time_limit()
    {
        EmulatorBackend? backend = null;
        var stdout = new StringWriter { NewLine = "\n" };
        var machine = Emu.Checked with { MemoryBytes = 64UL << 20 };
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        int exit = ScenarioRunner.RunText("populate.scenario", "mmap a anon 1023g prot=r populate\ncheck a 1023g 0x00\n",
            () => backend = new EmulatorBackend(new TestArchitecture(), null, machine), stdout, TextWriter.Null,
            new ScenarioRunOptions { TimeLimit = TimeSpan.FromSeconds(5) });
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        string transcript = stdout.ToString();
        Assert.True(exit == 3 ? transcript.EndsWith("end -> timeout\n", StringComparison.Ordinal) : transcript.StartsWith("mmap a anon 1023g prot=r populate -> SIGKILL\n", StringComparison.Ordinal), transcript);
        var memory = backend!.System.Memory;
        Assert.True(memory.BackedFrames <= memory.TotalFrames * 17 / 16 + 4 * Physical.PhysicalMemory.SectionFrames, $"{memory.BackedFrames} frames backed");
        Assert.True(allocated < 64 << 20, $"allocated {allocated} managed bytes");
    }

    /// <summary>
    /// With THP the huge zero page maps a large range in PMD entries and no PTE table, so the
    /// machine's memory does not stop the populate: what bounds its cost is that every walk over it
    /// (MAP_POPULATE, MADV_POPULATE_READ, pagemap) steps over a PMD leaf at once, as GUP's page_mask
    /// and pagemap_pmd_range() do. 64 GiB is 32 Ki PMDs: tens of milliseconds that way, seconds with
    /// a look at each of its 16 Mi base pages (a terabyte took 24 s), so the bound holds on a loaded
    /// machine and still catches the per-page walk.
    /// </summary>
    [Fact]
    public void A_range_under_the_huge_zero_page_is_walked_one_leaf_at_a_time()
    {
        var stdout = new StringWriter { NewLine = "\n" };
        // Each PMD leaf keeps a deposited PTE table: 128 MiB of tables for 64 GiB, as on the kernel.
        var machine = Emu.Checked with { MemoryBytes = 1UL << 30 };
        var clock = Stopwatch.StartNew();
        int exit = ScenarioRunner.RunText("thp.scenario", "thp always\nmmap a anon 64g prot=r populate\nmadvise a 64g populate_read\npagemap a 64g\n",
            () => new EmulatorBackend(new TestArchitecture(), null, machine), stdout, TextWriter.Null);
        clock.Stop();

        var lines = stdout.ToString().Split('\n');
        Assert.True(exit == 0, stdout.ToString());
        Assert.Equal("pagemap a 64g -> present+zero+file x16777216", lines[3]);
        // Base page by base page this takes minutes; a leaf at a time well under a second, five with the machine busy.
        Assert.True(clock.ElapsedMilliseconds < 5000, $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_trace_of_a_terabyte_populate_keeps_a_bounded_number_of_lines()
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var machine = Emu.Checked with { MemoryBytes = 4UL << 20 };
        int exit = ScenarioRunner.RunText("trace.scenario", "trace on\nmmap a anon 1023g prot=r populate\n",
            () => new EmulatorBackend(new TestArchitecture(), null, machine), stdout, TextWriter.Null,
            new ScenarioRunOptions { TimeLimit = TimeSpan.FromSeconds(20) });

        var lines = stdout.ToString().Split('\n');
        Assert.True(exit == 0, string.Join('\n', lines.TakeLast(5)));
        Assert.True(lines.Length < DetailLimit.Lines + 16, $"{lines.Length} lines");
        Assert.Contains(lines, l => l.Contains("more hook calls not shown (a command's trace keeps its first 65536)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dump a 1g", "... the rest of the range, from a+")]
    [InlineData("gup a 262144 dump", "... 196608 more pages not shown (a dump shows the first 65536)")]
    public void A_dump_over_a_populated_gigabyte_keeps_a_bounded_number_of_lines(string command, string last)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.RunText("dump.scenario", $"mmap a anon 1g prot=r populate\n{command}\n",
            () => new EmulatorBackend(new TestArchitecture(), null, Emu.Checked), stdout, TextWriter.Null);

        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exit == 0, string.Join('\n', lines.TakeLast(5)));
        Assert.InRange(lines.Length, DetailLimit.Lines, DetailLimit.Lines + 16);
        Assert.StartsWith("  | " + last, lines[^2], StringComparison.Ordinal);
    }
}
