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
    public void A_freed_multi_section_block_serves_small_orders_once_no_section_can_be_added()
    {
        // 16 sections of machine: the huge blocks take every section there may be, and freed they
        // must still serve the page faults and page tables of the whole machine.
        using var memory = new PhysicalMemory(12, 16UL * PhysicalMemory.SectionFrames << 12);
        int order = PhysicalMemory.SectionOrder + 2;
        var blocks = new List<ulong>();
        while (memory.TryAllocate(order, zero: false, out ulong block))
            blocks.Add(block);
        Assert.NotEmpty(blocks);
        foreach (var block in blocks)
            memory.Free(block, order);
        var pages = new HashSet<ulong>();
        for (long i = 0; i < memory.TotalFrames; i++)
            Assert.True(pages.Add(memory.Allocate(0, zero: true)));
        Assert.Equal(memory.TotalFrames, memory.UsedFrames);
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
