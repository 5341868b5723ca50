using System.Diagnostics;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel.Tests;

/// <summary>
/// Huge pagemap ranges on the live kernel: answered in time proportional to what is populated
/// (PAGEMAP_SCAN finds it), cut at the task size, with the runner's own mappings left out.
/// </summary>
[Collection(HostKernelCollection.Name)]
public class PagemapRangeTests
{
    private const string Script = """
        mmap a anon 1p
        touch a write
        pagemap a 102400g
        pagemap a 0xffffffffffffffff
        mmap b anon 1000g prot=r
        touch b read
        touch b+500g read
        pagemap b 1000g
        memfd f shmem 1000g
        mmap c file=f
        touch c+999g write
        pagemap c 1000g
        """;

    [Fact]
    public void Huge_ranges_read_fast_and_stop_at_the_task_size()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and this test needs it: {reason}");
        var stdout = new StringWriter { NewLine = "\n" };
        var clock = Stopwatch.StartNew();
        int exit = ScenarioRunner.RunText("ranges.scenario", Script, () => new HostBackend(), stdout, TextWriter.Null,
            new ScenarioRunOptions { TimeLimit = TimeSpan.FromSeconds(20) });
        clock.Stop();
        Assert.Equal(0, exit);
        var lines = stdout.ToString().Split('\n');
        Assert.Equal("pagemap a 102400g -> present+exclusive, - x26843545599", lines[2]);
        // a lies at 16 TiB (HostBackend.MapBase); the task size is 128 TiB less a page.
        ulong toTop = (PagemapReader.TaskSize - HostBackend.MapBase) / 4096 - 1;
        Assert.Equal($"pagemap a 0xffffffffffffffff -> present+exclusive, - x{toTop}", lines[3]);
        Assert.Equal("pagemap b 1000g -> present+zero, - x131071999, present+zero, - x131071999", lines[7]);
        Assert.Equal("pagemap c 1000g -> - x261881856, present+file+exclusive, - x262143", lines[11]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
