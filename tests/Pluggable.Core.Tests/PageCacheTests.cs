using Pluggable.Core.Mm;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Tests;

public class PageCacheTests
{
    [Fact]
    public void Far_apart_offsets_cost_their_nodes_only_and_give_them_back()
    {
        using var memory = new PhysicalMemory(12, 1UL << 30);
        var cache = new PageCache(memory);
        ulong[] offsets = [0, 63, 64, 1UL << 30, 1UL << 40, (1UL << 51) + 5];
        foreach (ulong index in offsets)
            cache.Store(index, index + 1);
        Assert.Equal(offsets.Length, cache.Count);
        Assert.True(memory.UsedFrames < 16, $"{memory.UsedFrames} pages for {offsets.Length} entries");
        foreach (ulong index in offsets)
            Assert.Equal(index + 1, cache.Lookup(index));
        Assert.Equal(0UL, cache.Lookup(65));
        Assert.Equal(0UL, cache.Lookup(1UL << 52));
        Assert.Equal(offsets, cache.Entries().Select(e => e.Index));
        Assert.Equal([64UL, 1UL << 30], cache.EntriesIn(64, (1UL << 40) - 1).Select(e => e.Index));
        foreach (ulong index in offsets)
            cache.Store(index, 0);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, memory.UsedFrames);
        Assert.Empty(cache.Entries());
    }

    [Fact]
    public void A_punch_over_a_huge_sparse_file_visits_only_its_pages()
    {
        using var emu = new Emu();
        const ulong size = 1UL << 46;
        Assert.Equal("ok", emu.Backend.Memfd(0, "f", false, size).ToString());
        var r = emu.Backend.Mmap(0, new Scenarios.MmapRequest("f", size, true, Protection.Read | Protection.Write, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        emu.Touch(a + (size >> 1), write: true, value: 7);
        emu.Touch(a + size - Emu.P, write: true, value: 8);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("ok", emu.Backend.Madvise(0, a, size, Advice.Remove).ToString());
        Assert.True(clock.ElapsedMilliseconds < 2000, $"MADV_REMOVE over 64 TiB took {clock.ElapsedMilliseconds} ms");
        Assert.Equal("ok 0x00", emu.Touch(a + (size >> 1)));
    }
}
