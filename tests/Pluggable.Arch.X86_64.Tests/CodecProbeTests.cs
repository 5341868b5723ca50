using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;
using static Pluggable.Core.Arch.EntryFlags;

namespace Pluggable.Arch.X86_64.Tests;

/// <summary>
/// Pins what the conformance suite's probes find on x86_64 to what the layout says, so the suite's
/// generated cases are known to cover every x86 bit.
/// </summary>
public sealed class CodecProbeTests
{
    private const EntryFlags PresentFlags =
        Write | Dirty | Young | User | Exec | Special | UffdWp | SoftDirty | Global | Devmap | ProtNone | ExecOnly;

    private static readonly X86_64EntryCodec Codec = X86_64EntryCodec.Instance;

    [Fact]
    public void Pte_flags_are_every_flag_but_huge_cont_and_swap_exclusive()
    {
        var support = CodecProbe.Flags(Codec, PageLevel.Pte, PageEntry.Page(1, None));
        Assert.Equal(PresentFlags, support.Optional);
        Assert.Equal([Global | ProtNone], support.Conflicts);
        Assert.Equal(Write | Global, support.Normalize(Write | Global | ProtNone | Cont));
    }

    [Theory]
    [InlineData(PageLevel.Pmd, 1UL << 9)]
    [InlineData(PageLevel.Pud, 1UL << 18)]
    public void Leaves_keep_the_same_flags_and_align_their_frames(PageLevel level, ulong alignment)
    {
        var support = CodecProbe.Flags(Codec, level, PageEntry.Page(alignment, Huge));
        Assert.Equal(Huge, support.Base);
        Assert.Equal(PresentFlags, support.Optional);
        Assert.Equal(X86_64EntryCodec.MaxFrame & ~(alignment - 1), CodecProbe.MaxFrame(Codec, level, f => PageEntry.Page(f, Huge), alignment));
    }

    [Fact]
    public void Frames_have_40_bits()
    {
        Assert.Equal((1UL << 40) - 1, X86_64EntryCodec.MaxFrame);
        Assert.Equal(X86_64EntryCodec.MaxFrame, CodecProbe.MaxFrame(Codec, PageLevel.Pte, f => PageEntry.Page(f, None)));
        Assert.Equal(X86_64EntryCodec.MaxFrame, CodecProbe.MaxFrame(Codec, PageLevel.Pgd, PageEntry.Table));
    }

    [Fact]
    public void Swap_entries_have_5_type_bits_50_offset_bits_and_three_flags()
    {
        var support = CodecProbe.Flags(Codec, PageLevel.Pte, PageEntry.SwapEntry(0, 1, None));
        Assert.Equal(SoftDirty | UffdWp | SwapExclusive, support.Optional);
        Assert.Empty(support.Conflicts);
        Assert.Equal(((byte)31, X86_64EntryCodec.MaxSwapOffset), CodecProbe.SwapLimits(Codec, PageLevel.Pte));
    }
}
