using Pluggable.Core.Arch;
using static Pluggable.Core.Arch.EntryFlags;

namespace Pluggable.Arch.PowerPc.Tests;

/// <summary>
/// Exact words, worked out bit by bit from arch/powerpc/include/asm/book3s/64/pgtable.h (Linux 6.1):
/// _PAGE_EXEC 0x1, _PAGE_WRITE 0x2, _PAGE_READ 0x4, _PAGE_PRIVILEGED 0x8, _PAGE_DIRTY 0x80,
/// _PAGE_ACCESSED 0x100, _PAGE_SOFT_DIRTY 0x200, _PAGE_SPECIAL 0x400, _PAGE_DEVMAP 0x800,
/// _PAGE_PTE bit 62, _PAGE_PRESENT bit 63; the real address sits in place (pfn &lt;&lt; PAGE_SHIFT).
/// </summary>
public sealed class Book3S64EntryCodecTests
{
    private static IEntryCodec Codec(string mmu = "hash", string page = "4k") => PowerPcArchitectureTests.Create(mmu, page).Codec;

    // PRESENT|PTE = 0xC000...; pfn 0x1234 << 12 = 0x1234000.
    [Theory]
    [InlineData(Young | User, 0xC000000001234104UL)]                          // READ|ACCESSED
    [InlineData(Young | User | Write | Dirty, 0xC000000001234186UL)]          // +WRITE+DIRTY
    [InlineData(Young | User | Exec, 0xC000000001234105UL)]                   // +EXEC
    [InlineData(Young, 0xC00000000123410CUL)]                                 // kernel page: PRIVILEGED
    [InlineData(User | Special, 0xC000000001234404UL)]                        // pte_mkspecial
    [InlineData(User | SoftDirty | Dirty, 0xC000000001234284UL)]              // pte_mkdirty sets both
    [InlineData(User | Devmap | Special, 0xC000000001234C04UL)]               // pte_mkdevmap
    public void Hash_4k_ptes_are_the_kernels_words(EntryFlags flags, ulong raw)
    {
        var pte = PageEntry.Page(0x1234, flags);
        Assert.Equal(raw, Codec().Encode(PageLevel.Pte, pte));
        Assert.Equal(pte, Codec().Decode(PageLevel.Pte, raw));
    }

    [Fact]
    public void A_present_user_writable_dirty_young_pte_names_its_bits()
    {
        Assert.Equal("WRITE READ DIRTY ACCESSED PTE PRESENT", Codec().Describe(PageLevel.Pte, 0xC000000001234186UL));
    }

    // PAGE_NONE = _PAGE_BASE | _PAGE_PRIVILEGED: PRESENT|PTE|ACCESSED|PRIVILEGED, RWX clear (pte_protnone()).
    [Fact]
    public void Prot_none_is_present_with_rwx_clear_and_privileged()
    {
        const ulong raw = 0xC000000001234108UL;
        var entry = PageEntry.Page(0x1234, ProtNone | Young);
        Assert.Equal(raw, Codec().Encode(PageLevel.Pte, entry));
        Assert.Equal(entry, Codec().Decode(PageLevel.Pte, raw));
    }

    // _PAGE_INVALID (_RPAGE_SW0, bit 61) with _PAGE_PTE and PRESENT clear is still pte_present().
    [Fact]
    public void A_transiently_invalid_pte_is_still_a_page()
    {
        var entry = Codec().Decode(PageLevel.Pte, 0x6000000001234186UL);
        Assert.Equal(EntryKind.Page, entry.Kind);
        Assert.Equal(0x1234UL, entry.Frame);
    }

    // hash.h: H_P{GD,UD,MD}_VAL_BITS = PRESENT only; pgalloc.h stores the table's real address.
    [Theory]
    [InlineData(PageLevel.Pgd)]
    [InlineData(PageLevel.Pud)]
    [InlineData(PageLevel.Pmd)]
    public void Hash_table_pointers_are_the_real_address_and_present(PageLevel level)
    {
        Assert.Equal(0x8000000000202000UL, Codec().Encode(level, PageEntry.Table(0x202)));
        Assert.Equal(PageEntry.Table(0x202), Codec().Decode(level, 0x8000000000202000UL));
        Assert.Equal("PRESENT", Codec().Describe(level, 0x8000000000202000UL));
    }

    // radix.h: RADIX_PGD_VAL_BITS = PRESENT | RADIX_PUD_INDEX_SIZE, RADIX_PUD_VAL_BITS = | PMD index size,
    // RADIX_PMD_VAL_BITS = | RADIX_PTE_INDEX_SIZE (9 with 4K pages, 5 with 64K: radix-64k.h).
    [Theory]
    [InlineData("4k", PageLevel.Pgd, 0x8000000000202009UL)]
    [InlineData("4k", PageLevel.Pmd, 0x8000000000202009UL)]
    [InlineData("64k", PageLevel.Pud, 0x8000000002020009UL)]
    [InlineData("64k", PageLevel.Pmd, 0x8000000002020005UL)]
    public void Radix_table_pointers_carry_the_next_level_size(string page, PageLevel level, ulong raw)
    {
        var codec = Codec("radix", page);
        Assert.Equal(raw, codec.Encode(level, PageEntry.Table(0x202)));
        Assert.Equal(PageEntry.Table(0x202), codec.Decode(level, raw));
    }

    // book3s/64/hugetlb.h: hugepd_populate() = __pa(table) | HUGEPD_VAL_BITS (bit 63) | mmu_psize << 2;
    // asm/mmu.h: MMU_PAGE_16M = 10 (0x28), MMU_PAGE_16G = 14 (0x38).
    [Theory]
    [InlineData(24, PageLevel.Pud, 0x8000000000203028UL)]
    [InlineData(34, PageLevel.Pgd, 0x8000000000203038UL)]
    public void Hash_hugepds_hold_the_mmu_page_size_index_in_bits_2_to_5(int shift, PageLevel level, ulong raw)
    {
        var hugepd = PageEntry.HugePd(0x203, shift);
        Assert.Equal(raw, Codec().Encode(level, hugepd));
        Assert.Equal(hugepd, Codec().Decode(level, raw));
        Assert.Equal($"PRESENT PSIZE={(shift == 24 ? "16M" : "16G")}", Codec().Describe(level, raw));
    }

    [Fact]
    public void Radix_has_no_hugepd() =>
        Assert.Throws<ArgumentException>(() => Codec("radix", "4k").Encode(PageLevel.Pud, PageEntry.HugePd(0x203, 24)));

    // pmd_is_leaf() tests _PAGE_PTE; radix__pmd_mkhuge() sets only it. 2M at 64K pages is pfn 0x20.
    [Fact]
    public void A_radix_pmd_leaf_is_a_pte_word_at_the_pmd()
    {
        const ulong raw = 0xC000000000200186UL;
        var leaf = PageEntry.Page(0x20, User | Write | Dirty | Young | Huge);
        Assert.Equal(raw, Codec("radix", "64k").Encode(PageLevel.Pmd, leaf));
        Assert.Equal(leaf, Codec("radix", "64k").Decode(PageLevel.Pmd, raw));
    }

    // hash-64k.h: hash__pmd_mkhuge() adds H_PAGE_THP_HUGE = H_PAGE_4K_PFN = _RPAGE_RPN1 (0x2000).
    [Fact]
    public void A_hash_64k_pmd_leaf_carries_thp_huge()
    {
        const ulong raw = 0xC000000001002186UL; // 16M: pfn 0x100 << 16 = 0x1000000
        var leaf = PageEntry.Page(0x100, User | Write | Dirty | Young | Huge);
        Assert.Equal(raw, Codec("hash", "64k").Encode(PageLevel.Pmd, leaf));
        Assert.Equal(leaf, Codec("hash", "64k").Decode(PageLevel.Pmd, raw));
    }

    // __swp_entry(type, offset) = type | offset << PAGE_SHIFT, __swp_entry_to_pte() adds _PAGE_PTE;
    // _PAGE_SWP_EXCLUSIVE = _PAGE_NON_IDEMPOTENT (0x20), _PAGE_SWP_SOFT_DIRTY = _PAGE_SOFT_DIRTY (0x200).
    [Theory]
    [InlineData(SwapExclusive, 0x4000000000010023UL)]
    [InlineData(SoftDirty, 0x4000000000010203UL)]
    [InlineData(None, 0x4000000000010003UL)]
    public void Swap_entries_keep_type_low_offset_in_the_rpn_and_pte_set(EntryFlags flags, ulong raw)
    {
        var swap = PageEntry.SwapEntry(3, 0x10, flags);
        Assert.Equal(raw, Codec().Encode(PageLevel.Pte, swap));
        Assert.Equal(swap, Codec().Decode(PageLevel.Pte, raw));
    }

    [Fact]
    public void The_swap_offset_is_the_rpn_field_up_to_pa_max()
    {
        // PTE_RPN_MASK: bits 12..52 with 4K pages.
        Assert.Equal(0x4000000000000000UL | (((1UL << 41) - 1) << 12), Codec().Encode(PageLevel.Pte, PageEntry.SwapEntry(0, (1UL << 41) - 1, None)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Codec().Encode(PageLevel.Pte, PageEntry.SwapEntry(0, 1UL << 41, None)));
    }

    [Fact]
    public void Uffd_wp_has_no_bit_and_is_dropped()
    {
        var raw = Codec().Encode(PageLevel.Pte, PageEntry.Page(0x1234, User | UffdWp));
        Assert.Equal(0xC000000001234004UL, raw);
    }
}
