using Pluggable.Core.Physical;

namespace Pluggable.Core.Tests;

public class PhysicalMemoryTests
{
    [Fact]
    public void Frames_are_never_pfn_zero_and_come_back_zeroed_on_request()
    {
        using var memory = new PhysicalMemory(12, 1UL << 30);
        ulong pfn = memory.Allocate(0, zero: false);
        Assert.NotEqual(0UL, pfn);
        memory.Data(pfn).Fill(0xAB);
        memory.Free(pfn, 0);
        ulong again = memory.Allocate(0, zero: true);
        Assert.Equal(pfn, again);
        Assert.True(memory.Data(again).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Buddies_merge_back_into_a_whole_section()
    {
        using var memory = new PhysicalMemory(12, 1UL << 30);
        var pfns = Enumerable.Range(0, PhysicalMemory.SectionFrames).Select(_ => memory.Allocate(0, false)).ToList();
        Assert.Equal(PhysicalMemory.SectionFrames, pfns.Distinct().Count());
        foreach (var p in pfns)
            memory.Free(p, 0);
        Assert.Equal(0, memory.UsedFrames);
        ulong block = memory.Allocate(PhysicalMemory.SectionOrder, false);
        Assert.Equal(pfns.Min(), block);
    }

    [Fact]
    public void Compound_pages_know_their_head()
    {
        using var memory = new PhysicalMemory(12, 1UL << 30);
        ulong head = memory.Allocate(3, zero: true);
        Assert.Equal(head, memory.HeadOf(head + 5));
        Assert.Equal(3, memory[head].Order);
        Assert.Equal(8, memory.UsedFrames);
    }

    [Fact]
    public void Orders_beyond_a_section_take_fresh_sections()
    {
        using var memory = new PhysicalMemory(12, 1UL << 30);
        ulong big = memory.Allocate(PhysicalMemory.SectionOrder + 2, zero: false);
        Assert.Equal(0UL, big % PhysicalMemory.SectionFrames);
        Assert.Equal(4L * PhysicalMemory.SectionFrames, memory.UsedFrames);
        memory.Free(big, PhysicalMemory.SectionOrder + 2);
        Assert.Equal(big, memory.Allocate(PhysicalMemory.SectionOrder + 2, zero: false));
    }

    [Fact]
    public void Blocks_larger_than_a_section_start_on_their_own_size()
    {
        using var memory = new PhysicalMemory(12, 1UL << 30);
        memory.Allocate(0, zero: false);
        int order = PhysicalMemory.SectionOrder + 3;
        ulong big = memory.Allocate(order, zero: false);
        Assert.Equal(0UL, big % (1UL << order));
        ulong small = memory.Allocate(PhysicalMemory.SectionOrder, zero: false);
        Assert.True(small < big, "the sections skipped for alignment are reused");
    }
}
