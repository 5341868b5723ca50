using Pluggable.Core.Arch;
using static Pluggable.Core.Arch.EntryFlags;

namespace Pluggable.Arch.Arm64.Tests;

/// <summary>
/// Exact words, worked out bit by bit from arch/arm64/include/asm/pgtable-hwdef.h, pgtable-prot.h and
/// pgtable.h (v6.10+ layout). Every user page carries VALID, SH (0x300), nG (0x800) and PXN (bit 53);
/// a pte is type 0b11 (TYPE = bit 1), a pmd/pud block type 0b01.
/// </summary>
public sealed class Arm64EntryCodecTests
{
    private static readonly IEntryCodec Codec = new Arm64Plugin().Create(new Dictionary<string, string>()).Codec;

    // VALID|TYPE|USER|SH|AF|nG = 0xF43; RDONLY (0x80) is clear only for writable and dirty.
    // High bits: WRITE 51, PXN 53, UXN 54, DIRTY 55.
    [Theory]
    [InlineData(Young | User, 0x0060000001234FC3UL)]
    [InlineData(Young | User | Write, 0x0068000001234FC3UL)]
    [InlineData(Young | User | Dirty, 0x00E0000001234FC3UL)]
    [InlineData(Young | User | Write | Dirty, 0x00E8000001234F43UL)]
    public void Write_and_dirty_follow_the_rdonly_dbm_state_table(EntryFlags flags, ulong raw)
    {
        var pte = PageEntry.Page(0x1234, flags);
        Assert.Equal(raw, Codec.Encode(PageLevel.Pte, pte));
        Assert.Equal(pte, Codec.Decode(PageLevel.Pte, raw));
    }

    [Fact]
    public void A_present_user_writable_dirty_young_page_is_the_kernels_word()
    {
        const ulong raw = 0x00E8000001234F43UL;
        Assert.Equal(raw, Codec.Encode(PageLevel.Pte, PageEntry.Page(0x1234, Write | Dirty | Young | User)));
        Assert.Equal("VALID TYPE USER SH0 SH1 AF NG WRITE PXN UXN DIRTY", Codec.Describe(PageLevel.Pte, raw));
    }

    [Fact]
    public void Hardware_dirty_without_the_software_bit_reads_as_dirty()
    {
        // WRITE set and RDONLY clear: the CPU's DBM update made the page dirty.
        Assert.Equal(Write | Dirty | Young | User, Codec.Decode(PageLevel.Pte, 0x0068000001234F43UL).Flags);
    }

    [Fact]
    public void Prot_none_is_present_invalid_not_user_and_uxn()
    {
        // TYPE|RDONLY|SH|AF|PRESENT_INVALID = 0xF82, PXN|UXN; VALID and USER clear.
        const ulong raw = 0x0060000001234F82UL;
        var entry = PageEntry.Page(0x1234, ProtNone | Young);
        Assert.Equal(raw, Codec.Encode(PageLevel.Pte, entry));
        Assert.Equal(entry, Codec.Decode(PageLevel.Pte, raw));
        Assert.Equal("TYPE RDONLY SH0 SH1 AF PRESENT_INVALID PXN UXN", Codec.Describe(PageLevel.Pte, raw));
    }

    [Fact]
    public void A_uffd_wp_page_uses_bit_58()
    {
        const ulong raw = 0x0460000001234FC3UL;
        var entry = PageEntry.Page(0x1234, Young | User | UffdWp);
        Assert.Equal(raw, Codec.Encode(PageLevel.Pte, entry));
        Assert.Equal(entry, Codec.Decode(PageLevel.Pte, raw));
        Assert.EndsWith("PXN UXN UFFD_WP", Codec.Describe(PageLevel.Pte, raw));
    }

    [Theory]
    [InlineData(None, 0x17C0UL, "swp type=31 off=0x1")]
    [InlineData(UffdWp, 0x17C8UL, "swp type=31 off=0x1 uffd-wp")]
    [InlineData(SwapExclusive, 0x17C4UL, "swp type=31 off=0x1 exclusive")]
    public void A_swap_marker_keeps_type_in_6_to_10_and_offset_from_12(EntryFlags flags, ulong raw, string text)
    {
        var entry = PageEntry.SwapEntry(31, 1, flags);
        Assert.Equal(raw, Codec.Encode(PageLevel.Pte, entry));
        Assert.Equal(entry, Codec.Decode(PageLevel.Pte, raw));
        Assert.Equal(text, Codec.Describe(PageLevel.Pte, raw));
    }

    [Fact]
    public void A_2M_pmd_block_clears_the_type_bit()
    {
        const ulong raw = 0x00E8000000200F41UL;
        var leaf = PageEntry.Page(0x200, Huge | Write | Dirty | Young | User);
        Assert.Equal(raw, Codec.Encode(PageLevel.Pmd, leaf));
        Assert.Equal(leaf, Codec.Decode(PageLevel.Pmd, raw));
    }

    /// <summary>With VA 39 the pud folds into the pgd, whose level-1 descriptors may be 1G blocks (type bit clear).</summary>
    [Fact]
    public void A_1G_block_sits_in_the_pgd_when_the_pud_is_folded()
    {
        var va39 = new Arm64Plugin().Create(new Dictionary<string, string> { ["va"] = "39" }).Codec;
        const ulong raw = 0x00E8000040000F41UL;
        var leaf = PageEntry.Page(0x40000, Huge | Write | Dirty | Young | User);
        Assert.Equal(raw, va39.Encode(PageLevel.Pgd, leaf));
        Assert.Equal(leaf, va39.Decode(PageLevel.Pgd, raw));
        Assert.Equal(PageEntry.Table(5), va39.Decode(PageLevel.Pgd, 0x5003UL));
        Assert.Throws<ArgumentException>(() => Codec.Encode(PageLevel.Pgd, leaf));
    }

    [Fact]
    public void A_table_pointer_is_valid_with_the_type_bit()
    {
        Assert.Equal(0x5003UL, Codec.Encode(PageLevel.Pmd, PageEntry.Table(5)));
        Assert.Equal(PageEntry.Table(5), Codec.Decode(PageLevel.Pmd, 0x5003UL));
    }

    [Fact]
    public void Cont_sets_bit_52_and_a_cont_pte_reads_back_as_huge()
    {
        const ulong pte = 0x0070000001230FC3UL;
        Assert.Equal(pte, Codec.Encode(PageLevel.Pte, PageEntry.Page(0x1230, Young | User | Huge | Cont)));
        Assert.Equal(Young | User | Huge | Cont, Codec.Decode(PageLevel.Pte, pte).Flags);

        const ulong pmd = 0x0070000000200FC1UL;
        Assert.Equal(pmd, Codec.Encode(PageLevel.Pmd, PageEntry.Page(0x200, Young | User | Huge | Cont)));
        Assert.Contains("CONT", Codec.Describe(PageLevel.Pmd, pmd));
    }

    [Theory]
    [InlineData(PageLevel.Pmd, 0x201UL)]
    [InlineData(PageLevel.Pud, 0x40200UL)]
    [InlineData(PageLevel.Pte, 1UL << 36)]
    public void A_frame_that_does_not_fit_the_leaf_is_refused(PageLevel level, ulong frame) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Codec.Encode(level, PageEntry.Page(frame, Huge)));
}
