using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.PageTables;
using Pluggable.Core.Scenarios;
using static Pluggable.Core.Arch.EntryFlags;

namespace Pluggable.Arch.PowerPc.Tests;

/// <summary>
/// The 8xx with 4K pages, against Linux 6.1: arch/powerpc/include/asm/nohash/32/pte-8xx.h (_PAGE_PRESENT 0x1,
/// _PAGE_SH 0x4, _PAGE_SPS 0x8, _PAGE_ACCESSED 0x20, _PAGE_EXEC 0x40, _PAGE_SPECIAL 0x80, _PAGE_DIRTY 0x100,
/// _PAGE_NA 0x200, _PAGE_RO 0x600, _PAGE_HUGE 0x800; _PMD_PRESENT 0x1, _PMD_PAGE_8M 0xc, _PMD_USER 0x40),
/// asm/nohash/32/pgtable.h (swap layout), asm/nohash/32/hugetlb-8xx.h (hugepd_populate, arch_make_huge_pte).
/// </summary>
public sealed class Mpc8xxTests
{
    private static Architecture Arch => PowerPcArchitectureTests.Create("8xx", "4k");

    [Fact]
    public void Two_levels_of_1024_four_byte_big_endian_entries_under_a_2G_task_size()
    {
        var g = Arch.Geometry;
        Assert.Equal("page 4K, pgd 22/1024, pte 12/1024, va 32 bits, folded: p4d pud pmd", g.ToString());
        Assert.Equal(4, g.EntryBytes);
        Assert.True(g.BigEndian);
        Assert.Equal(0x80000000UL, g.TaskSize);
        ArchitectureValidator.Validate(Arch);
    }

    [Fact]
    public void Huge_pages_are_16K_and_512K_pte_runs_and_an_8M_hugepd_and_512K_is_the_default()
    {
        Assert.Equal("16K (contiguous pte run), 512K (contiguous pte run), 8M (hugepd at pgd)", string.Join(", ", Arch.HugePageSizes));
        Assert.Equal(19, Arch.DefaultHugePage!.Shift);
        Assert.Equal("gup-fast pte-special", Arch.Capabilities.ToString());
    }

    [Fact]
    public void There_are_no_64k_pages() =>
        Assert.Throws<ArgumentException>(() => PowerPcArchitectureTests.Create("8xx", "64k"));

    // PTE_SHIFT = PAGE_SHIFT - PTE_T_LOG2 - 2 = 14 - 4 - 2: 256 ptes of 16 bytes, a quarter page; PGDIR_SHIFT 22.
    [Fact]
    public void With_16k_pages_a_pte_is_four_words_and_a_table_256_of_them()
    {
        var arch = PowerPcArchitectureTests.Create("8xx", "16k");
        var g = arch.Geometry;
        Assert.Equal("mmu=8xx,page=16k", arch.Configuration);
        Assert.Equal("page 16K, pgd 22/1024, pte 14/256, va 32 bits, pte 4 x 4 bytes, folded: p4d pud pmd", g.ToString());
        Assert.Equal(4096, g.TableBytes(PageLevel.Pte));
        Assert.Equal("512K (contiguous pte run), 8M (hugepd at pgd)", string.Join(", ", arch.HugePageSizes));
        Assert.Equal(19, arch.DefaultHugePage!.Shift);
        ArchitectureValidator.Validate(arch);
    }

    // pfn 0x1234 << 14 = 0x048d0000; _PAGE_BASE has SPS (_PAGE_PSIZE); arch_make_huge_pte() adds HUGE for 512K.
    [Theory]
    [InlineData(User | Young, 0x048d0629UL)]
    [InlineData(User | Young | Write | Dirty | Huge, 0x048d0929UL)]
    public void With_16k_pages_every_pte_has_sps_and_huge_marks_a_huge_slot(EntryFlags flags, ulong raw)
    {
        var codec = PowerPcArchitectureTests.Create("8xx", "16k").Codec;
        var pte = PageEntry.Page(0x1234, flags) with { Shift = (byte)(flags.HasFlag(Huge) ? 19 : 0) };
        Assert.Equal(raw, codec.Encode(PageLevel.Pte, pte));
        Assert.Equal(flags.HasFlag(Huge) ? flags | Cont : flags, codec.Decode(PageLevel.Pte, raw).Flags);
    }

    // pfn 0x1234 << 12 = 0x01234000.
    [Theory]
    [InlineData(User | Young, 0x01234621UL)]                          // PRESENT|ACCESSED|RO (PAGE_READONLY)
    [InlineData(User | Young | Write | Dirty, 0x01234121UL)]          // PP 00 = read-write, DIRTY
    [InlineData(Young | Write | Dirty, 0x01234125UL)]                 // kernel page: SH
    [InlineData(ProtNone | User | Young, 0x01234221UL)]               // PAGE_NONE: NA
    [InlineData(User | Special | Young, 0x012346A1UL)]                // pte_mkspecial
    [InlineData(User | Exec | Young, 0x01234661UL)]                   // PAGE_READONLY_X
    public void Ptes_are_the_kernels_words(EntryFlags flags, ulong raw)
    {
        var pte = PageEntry.Page(0x1234, flags);
        Assert.Equal(raw, Arch.Codec.Encode(PageLevel.Pte, pte));
        Assert.Equal(pte, Arch.Codec.Decode(PageLevel.Pte, raw));
    }

    // arch_make_huge_pte(): 16K gets SPS, 512K and 8M get SPS|HUGE.
    [Theory]
    [InlineData(14, 0x01234129UL)]
    [InlineData(19, 0x01234929UL)]
    [InlineData(23, 0x01234929UL)]
    public void Huge_slots_carry_sps_and_huge_by_page_size(int shift, ulong raw)
    {
        var entry = PageEntry.Page(0x1234, User | Young | Write | Dirty | Huge) with { Shift = (byte)shift };
        Assert.Equal(raw, Arch.Codec.Encode(PageLevel.Pte, entry));
        Assert.Equal(User | Young | Write | Dirty | Huge | Cont, Arch.Codec.Decode(PageLevel.Pte, raw).Flags);
    }

    // pmd_populate(): __pa(table) | _PMD_USER | _PMD_PRESENT; hugepd_populate(): the same | _PMD_PAGE_8M.
    [Fact]
    public void Pgd_slots_hold_table_pointers_or_8M_hugepds()
    {
        Assert.Equal(0x00202041UL, Arch.Codec.Encode(PageLevel.Pgd, PageEntry.Table(0x202)));
        Assert.Equal(0x0020204DUL, Arch.Codec.Encode(PageLevel.Pgd, PageEntry.HugePd(0x202, 23)));
        Assert.Equal(PageEntry.HugePd(0x202, 23), Arch.Codec.Decode(PageLevel.Pgd, 0x0020204DUL));
        Assert.Equal(PageEntry.Table(0x202), Arch.Codec.Decode(PageLevel.Pgd, 0x00202041UL));
    }

    // __swp_entry(type, offset) = type | offset << 5, __swp_entry_to_pte() shifts it left by 3.
    [Fact]
    public void Swap_entries_sit_above_the_three_low_bits()
    {
        var swap = PageEntry.SwapEntry(3, 0x10, None);
        Assert.Equal(0x1018UL, Arch.Codec.Encode(PageLevel.Pte, swap));
        Assert.Equal(swap, Arch.Codec.Decode(PageLevel.Pte, 0x1018UL));
        Assert.Throws<ArgumentException>(() => Arch.Codec.Encode(PageLevel.Pte, PageEntry.SwapEntry(0, 0, None)));
    }

    [Fact]
    public void An_executable_page_loses_exec_until_its_dcache_is_clean()
    {
        var ctx = new Pluggable.Arch.Testing.RecordingContext();
        var exec = PageEntry.Page(7, User | Exec | Young);
        Assert.False(Arch.PrepareSetEntry(ctx, PageLevel.Pte, 0x1000, exec).Has(Exec));
        ctx.SetArchFlag(7, true);
        Assert.True(Arch.PrepareSetEntry(ctx, PageLevel.Pte, 0x1000, exec).Has(Exec));
        Arch.FlushDcachePage(ctx, 7);
        Assert.False(ctx.GetArchFlag(7));
    }

    private static (EmulatorBackend Backend, ulong Address) Start(ulong size, ulong pages)
    {
        var backend = new EmulatorBackend(Arch, options: new EmulatorOptions { DebugVm = true });
        Assert.Equal("ok", backend.Hugepages(size, pages).ToString());
        Assert.Equal(pages, backend.System.Hugetlb.ForSize(size)!.FreeHugepages);
        Assert.Equal("ok", backend.Memfd(0, "h", true, size).ToString());
        var r = backend.Mmap(0, new MmapRequest("h", size, true, Protection.Read | Protection.Write, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        return (backend, a);
    }

    // huge_pte_alloc(): 8M is above PGDIR_SHIFT (22), so __hugepte_alloc() fills both pgd slots it spans
    // with the same hugepd, pointing to one table; the page is its first entry. (The default memfd size
    // is 512K, so the 8M entry is placed through the core's huge_pte_alloc directly; with no VMA and no
    // real folio behind it the consistency checker would rightly object, so it is off here.)
    [Fact]
    public void An_8M_hugepte_alloc_writes_one_hugepd_into_both_pgd_slots()
    {
        using var backend = new EmulatorBackend(Arch, options: new EmulatorOptions { DebugVm = false });
        var tables = backend.System.Mms[0].Tables;
        var size = Arch.HugePageSizes.Single(h => h.Shift == 23);
        const ulong a = 0x10000000;
        var pte = HugePteAlloc.Alloc(tables, size, a + (4UL << 20) + 0x1234);
        HugePteOps.Set(tables, pte, a, PageEntry.Page(0x1000, User | Young | Write | Dirty));

        var first = tables.Walk(a, PageLevel.Pte, allocate: false);
        var second = tables.Walk(a + (4UL << 20), PageLevel.Pte, allocate: false);
        Assert.Equal(PageLevel.Pgd, first.Level);
        Assert.Equal(EntryKind.HugePd, first.Entry.Kind);
        Assert.Equal(23, first.Entry.Shift);
        Assert.Equal(first.Entry, second.Entry);
        Assert.Equal(second.Slot.Index, first.Slot.Index + 1);
        Assert.Equal(0x4DUL, tables.ReadRaw(first.Slot) & 0xfff);
        var leaf = tables.WalkLeaf(a + (4UL << 20) + 0x1234);
        Assert.Equal(new Slot(first.Entry.Frame, 0, PageLevel.Pte), leaf.Slot);
        Assert.Equal(23, leaf.Shift);
        Assert.Equal(0x01000929UL, tables.ReadRaw(leaf.Slot));
    }

    // set_huge_pte_at(): number_of_cells_per_pte() is 128 for 512K, each cell the next 4K of the page.
    [Fact]
    public void A_512K_fault_writes_128_ptes_each_the_next_4K()
    {
        const ulong size = 512UL << 10;
        var (backend, a) = Start(size, 2);
        using var _ = backend;
        Assert.Equal("ok", backend.Touch(0, a + 0x1234, write: true, value: 9).ToString());
        var tables = backend.System.Mms[0].Tables;
        var head = tables.WalkLeaf(a);
        for (ulong i = 0; i < 128; i++)
        {
            var slot = tables.WalkLeaf(a + (i << 12));
            Assert.Equal(head.Entry.Frame + i, slot.Entry.Frame);
            Assert.Equal(0x929UL, tables.ReadRaw(slot.Slot) & 0xfff);
        }
        Assert.True(tables.WalkLeaf(a + size).Entry.IsNone);
    }
}
