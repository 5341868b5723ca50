using Pluggable.Core.Arch;
using static Pluggable.Core.Arch.EntryFlags;

namespace Pluggable.Arch.X86_64.Tests;

/// <summary>Exact words, worked out bit by bit from arch/x86/include/asm/pgtable_types.h and pgtable_64.h.</summary>
public sealed class X86_64EntryCodecTests
{
    private static readonly X86_64EntryCodec Codec = X86_64EntryCodec.Instance;

    // P(0x1) RW(0x2) U(0x4) A(0x20) D(0x40) = 0x67, frame 0x1234 at bit 12, NX at bit 63. Bit 7 stays
    // clear: at pte level it is PAT, which anonymous memory never sets.
    [Theory]
    [InlineData(Write | Dirty | Young | User, 0x8000000001234067UL, "P RW U A D NX")]
    [InlineData(Write | Dirty | Young | User | SoftDirty, 0x8000000001234867UL, "P RW U A D SOFT_DIRTY NX")]
    [InlineData(Young | User, 0x8000000001234025UL, "P U A NX")]
    [InlineData(Young | User | Exec, 0x0000000001234025UL, "P U A")]
    [InlineData(Young | User | Special | UffdWp | Devmap, 0x8200000001234625UL, "P U A SPECIAL UFFD_WP DEVMAP NX")]
    public void Pte_words_are_the_kernels(EntryFlags flags, ulong raw, string bits)
    {
        var pte = PageEntry.Page(0x1234, flags);
        Assert.Equal(raw, Codec.Encode(PageLevel.Pte, pte));
        Assert.Equal(pte, Codec.Decode(PageLevel.Pte, raw));
        Assert.Equal(bits, Codec.Describe(PageLevel.Pte, raw));
    }

    [Fact]
    public void Huge_is_dropped_at_pte_level_because_bit_7_is_pat_there()
    {
        ulong raw = Codec.Encode(PageLevel.Pte, PageEntry.Page(1, User | Huge));
        Assert.Equal(0x8000000000001005UL, raw);
        Assert.Equal(User, Codec.Decode(PageLevel.Pte, raw).Flags);
    }

    [Fact]
    public void A_2M_pmd_leaf_sets_pse_and_keeps_its_frame_aligned()
    {
        var leaf = PageEntry.Page(0x200, Huge | Write | Dirty | Young | User);
        ulong raw = Codec.Encode(PageLevel.Pmd, leaf);
        Assert.Equal(0x80000000002000E7UL, raw);
        Assert.Equal("P RW U A D PSE NX", Codec.Describe(PageLevel.Pmd, raw));
        Assert.Equal(leaf, Codec.Decode(PageLevel.Pmd, raw));
    }

    [Fact]
    public void A_pmd_leaf_frame_ignores_pat_large_and_the_reserved_low_bits()
    {
        const ulong raw = 0x80000000003FF0E7UL;
        Assert.Equal(0x200UL, Codec.Decode(PageLevel.Pmd, raw).Frame);
        Assert.StartsWith("P RW U A D PSE PAT_LARGE", Codec.Describe(PageLevel.Pmd, raw));
    }

    [Theory]
    [InlineData(PageLevel.Pmd, 0x201UL)]
    [InlineData(PageLevel.Pud, 0x40200UL)]
    [InlineData(PageLevel.Pte, 1UL << 40)]
    public void A_frame_that_does_not_fit_the_leaf_is_refused(PageLevel level, ulong frame) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Codec.Encode(level, PageEntry.Page(frame, Huge)));

    [Fact]
    public void A_1G_pud_leaf_maps_a_gigabyte_aligned_frame()
    {
        ulong raw = Codec.Encode(PageLevel.Pud, PageEntry.Page(0x40000, Huge | User | Young));
        Assert.Equal(0x80000000400000A5UL, raw);
        Assert.Equal(PageEntry.Page(0x40000, Huge | User | Young), Codec.Decode(PageLevel.Pud, raw));
    }

    [Theory]
    [InlineData(PageLevel.Pgd)]
    [InlineData(PageLevel.P4d)]
    [InlineData(PageLevel.Pud)]
    [InlineData(PageLevel.Pmd)]
    public void Table_pointers_carry_the_kernels_page_table_bits(PageLevel level)
    {
        ulong raw = Codec.Encode(level, PageEntry.Table(0x1234));
        Assert.Equal(0x0000000001234067UL, raw);
        Assert.Equal(PageEntry.Table(0x1234), Codec.Decode(level, raw));
    }

    [Fact]
    public void Entries_x86_has_no_place_for_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Codec.Encode(PageLevel.Pte, PageEntry.Table(1)));
        Assert.Throws<ArgumentException>(() => Codec.Encode(PageLevel.P4d, PageEntry.Page(0, Huge)));
        Assert.Throws<ArgumentException>(() => Codec.Encode(PageLevel.Pmd, PageEntry.HugePd(1, 21)));
    }

    // PAGE_NONE is A|PROTNONE; the L1TF guard stores the frame inverted: ~0x1234000 within bits 12..51.
    [Fact]
    public void Protnone_keeps_present_clear_bit_8_set_and_the_frame_inverted()
    {
        var none = PageEntry.Page(0x1234, ProtNone | Young | Exec);
        ulong raw = Codec.Encode(PageLevel.Pte, none);
        Assert.Equal(0x000FFFFFFEDCB120UL, raw);
        Assert.Equal(none, Codec.Decode(PageLevel.Pte, raw));
        Assert.Equal("A PROTNONE", Codec.Describe(PageLevel.Pte, raw));
    }

    [Fact]
    public void A_protnone_pmd_leaf_inverts_only_the_leaf_frame_bits()
    {
        var none = PageEntry.Page(0x200, Huge | ProtNone | Young);
        ulong raw = Codec.Encode(PageLevel.Pmd, none);
        Assert.Equal(0x800FFFFFFFC001A0UL, raw);
        Assert.Equal(none, Codec.Decode(PageLevel.Pmd, raw));
    }

    [Fact]
    public void Global_shares_bit_8_with_protnone_and_is_dropped_from_protnone_entries()
    {
        Assert.Equal(0x8000000000001101UL, Codec.Encode(PageLevel.Pte, PageEntry.Page(1, Global)));
        var both = Codec.Decode(PageLevel.Pte, Codec.Encode(PageLevel.Pte, PageEntry.Page(1, Global | ProtNone)));
        Assert.Equal(ProtNone, both.Flags);
    }

    // Write=0 with Dirty=1 is a shadow-stack page, so a read-only dirty entry keeps its dirtiness in bit 58.
    [Fact]
    public void Dirty_without_write_goes_to_saved_dirty()
    {
        var pte = PageEntry.Page(0x1234, Dirty | Young | User);
        ulong raw = Codec.Encode(PageLevel.Pte, pte);
        Assert.Equal(0x8400000001234025UL, raw);
        Assert.Equal("P U A SAVED_DIRTY NX", Codec.Describe(PageLevel.Pte, raw));
        Assert.Equal(pte, Codec.Decode(PageLevel.Pte, raw));
    }

    [Fact]
    public void A_shadow_stack_word_reads_as_dirty_and_read_only()
    {
        var pte = Codec.Decode(PageLevel.Pte, 0x8000000001234065UL);
        Assert.Equal(Dirty | Young | User, pte.Flags);
    }

    // SWP_PTE_MARKER is type 31 and PTE_MARKER_UFFD_WP is offset bit 0: type 0b11111 in bits 59..63,
    // ~1 in bits 9..58 (bit 9 clear, 10..58 set).
    [Fact]
    public void A_uffd_wp_marker_round_trips()
    {
        var marker = PageEntry.SwapEntry(31, 1, None);
        ulong raw = Codec.Encode(PageLevel.Pte, marker);
        Assert.Equal(0xFFFFFFFFFFFFFC00UL, raw);
        Assert.Equal(marker, Codec.Decode(PageLevel.Pte, raw));
        Assert.Equal("swp type=31 off=0x1", Codec.Describe(PageLevel.Pte, raw));
    }

    [Theory]
    [InlineData(SoftDirty, 0x2UL, "soft-dirty")]
    [InlineData(UffdWp, 0x4UL, "uffd-wp")]
    [InlineData(SwapExclusive, 0x8UL, "exclusive")]
    public void Swap_flags_use_bits_1_to_3(EntryFlags flag, ulong bit, string name)
    {
        var entry = PageEntry.SwapEntry(31, 1, flag);
        ulong raw = Codec.Encode(PageLevel.Pte, entry);
        Assert.Equal(0xFFFFFFFFFFFFFC00UL | bit, raw);
        Assert.Equal(entry, Codec.Decode(PageLevel.Pte, raw));
        Assert.Equal($"swp type=31 off=0x1 {name}", Codec.Describe(PageLevel.Pte, raw));
    }

    [Fact]
    public void The_first_swap_slot_is_not_an_empty_word()
    {
        var first = PageEntry.SwapEntry(0, 0, None);
        ulong raw = Codec.Encode(PageLevel.Pte, first);
        Assert.Equal(0x07FFFFFFFFFFFE00UL, raw);
        Assert.Equal(first, Codec.Decode(PageLevel.Pte, raw));
    }

    [Fact]
    public void Swap_fields_are_bounded()
    {
        Assert.Equal((1UL << 50) - 2, X86_64EntryCodec.MaxSwapOffset);
        Assert.Throws<ArgumentOutOfRangeException>(() => Codec.Encode(PageLevel.Pte, PageEntry.SwapEntry(32, 0, None)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Codec.Encode(PageLevel.Pte, PageEntry.SwapEntry(0, X86_64EntryCodec.MaxSwapOffset + 1, None)));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(0x20UL)]
    [InlineData(0x60UL)]
    public void Words_with_only_erratum_bits_are_none(ulong raw) => Assert.True(Codec.Decode(PageLevel.Pte, raw).IsNone);

    [Fact]
    public void An_empty_word_describes_as_nothing() => Assert.Equal("", Codec.Describe(PageLevel.Pte, 0));
}
