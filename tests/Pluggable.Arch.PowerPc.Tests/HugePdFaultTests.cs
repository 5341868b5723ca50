using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Scenarios;

namespace Pluggable.Arch.PowerPc.Tests;

/// <summary>
/// A hugetlb fault on hash with 4K pages goes the way huge_pte_alloc() of arch/powerpc/mm/hugetlbpage.c
/// (Linux 6.1) sends it: 16M is above PMD_SHIFT (21) and below PUD_SHIFT (28), so the pud slot gets a
/// hugepd whose table holds 2^(28 - 24) = 16 hugeptes; the pmd level is never allocated.
/// </summary>
public sealed class HugePdFaultTests
{
    private const ulong M16 = 16UL << 20;

    private static EmulatorBackend Start(string mmu = "hash", string page = "4k")
    {
        var backend = new EmulatorBackend(PowerPcArchitectureTests.Create(mmu, page), options: new EmulatorOptions { DebugVm = true });
        Assert.Equal("ok", backend.Hugepages(M16, 2).ToString());
        Assert.Equal("ok", backend.Memfd(0, "h", true, M16).ToString());
        return backend;
    }

    private static ulong Map(EmulatorBackend backend, ulong size)
    {
        var r = backend.Mmap(0, new MmapRequest("h", size, true, Protection.Read | Protection.Write, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        return a;
    }

    [Fact]
    public void A_16M_fault_installs_a_hugepd_in_the_pud_slot_with_a_16_entry_table()
    {
        using var backend = Start();
        ulong a = Map(backend, M16);
        Assert.Equal("ok", backend.Touch(0, a + 0x5123, write: true, value: 0x5a).ToString());

        var tables = backend.System.Mms[0].Tables;
        var walk = tables.Walk(a, PageLevel.Pmd, allocate: false);
        Assert.Equal(PageLevel.Pud, walk.Level);
        Assert.Equal(EntryKind.HugePd, walk.Entry.Kind);
        Assert.Equal(24, walk.Entry.Shift);
        // hugepd_populate(): the MMU_PAGE_16M index (10) << 2 in the low bits, PRESENT, no _PAGE_PTE.
        Assert.Equal(0x8000000000000028UL, tables.ReadRaw(walk.Slot) & ~0x0fffffffffffffc0UL);
        Assert.Equal(16, HugePdTable.Entries(walk.Entry.Shift, tables.Ops.Geometry.PudShift));

        // The hugepte is the one for the page's 16M within the pud's 256M, a plain present pte.
        int index = (int)((a & ((1UL << 28) - 1)) >> 24);
        var leaf = tables.WalkLeaf(a + 0x5123);
        Assert.Equal(new Slot(walk.Entry.Frame, index, PageLevel.Pte), leaf.Slot);
        Assert.Equal(24, leaf.Shift);
        Assert.Equal(EntryKind.Page, leaf.Entry.Kind);
        Assert.True(leaf.Entry.Has(EntryFlags.Write | EntryFlags.Dirty | EntryFlags.User));
        for (int i = 0; i < 16; i++)
            if (i != index)
                Assert.Equal(0UL, tables.ReadRaw(new Slot(walk.Entry.Frame, i, PageLevel.Pte)));
        Assert.Equal("ok 0x5a", backend.Touch(0, a + 0x5123, write: false, value: 0).ToString());
    }

    [Fact]
    public void Unmapping_frees_the_hugepte_table_and_clears_the_pud_slot()
    {
        using var backend = Start();
        var tables = backend.System.Mms[0].Tables;
        long before = tables.TableFrames;
        ulong a = Map(backend, M16);
        Assert.Equal("ok", backend.Touch(0, a, write: true, value: 1).ToString());
        Assert.Equal("ok", backend.Munmap(0, a, M16).ToString());
        Assert.Equal(before, tables.TableFrames);
    }

    [Fact]
    public void The_dump_shows_the_hugepd_in_the_pud_and_the_huge_entry()
    {
        using var backend = Start();
        ulong a = Map(backend, M16);
        Assert.Equal("ok", backend.Touch(0, a, write: true, value: 1).ToString());
        var lines = PageTableDump.Describe(backend.System.Mms[0].Tables, a, 4096, x => $"0x{x:x}");
        Assert.Equal(3, lines.Count);
        Assert.StartsWith("pgd[", lines[0]);
        Assert.Matches(@"^pud\[\d+\] .* hugepd table pfn=0x[0-9a-f]+ shift=24 \[PRESENT PSIZE=16M\]$", lines[1]);
        Assert.Matches(@"^hugepte\[\d+\] .* page pfn=0x[0-9a-f]+ \[WRITE READ DIRTY ACCESSED PTE PRESENT\]$", lines[2]);
    }

    /// <summary>
    /// Before: mremap placed the moved 16M mapping 2M-aligned and the next mmap landed in the same
    /// pud slot as its hugepd (found by the fuzz; teardown then hit "zap found a HugePd pud entry").
    /// A moved hugepd mapping is placed as mmap places one: alone in its slot.
    /// </summary>
    [Fact]
    public void A_moved_hugepd_mapping_keeps_its_slot_to_itself()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.RunText("t.scenario",
            "hugepages 16m 11\nmemfd f hugetlb 1hp\nmmap b file=f\nmremap b d\ntouch d write\nmmap g anon 1p\ntouch g write\n",
            () => new EmulatorBackend(PowerPcArchitectureTests.Create("hash", "4k"), options: new EmulatorOptions { DebugVm = true }), stdout, stderr);
        Assert.True(exit == 0, stderr.ToString() + stdout);
        Assert.Equal("", stderr.ToString());
    }
}
