using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64.Tests;

/// <summary>The validator against x86_64 variants broken one way at a time.</summary>
public sealed class ArchitectureValidatorTests
{
    private static readonly X86_64Architecture Real = new(4);

    [Fact]
    public void A_level_whose_shift_skips_bits_is_rejected() =>
        AssertRejected(With(PageLevel.Pmd, 22, 512), "pud shift 30 should be pmd shift 22 + log2(512)");

    [Fact]
    public void Entries_that_are_not_a_power_of_two_are_rejected() =>
        AssertRejected(With(PageLevel.Pud, 30, 500), "pud has 500 entries, not a power of two");

    [Fact]
    public void A_folded_pte_is_rejected() =>
        AssertRejected(Geometry(vaBits: 48, [.. Real.Geometry.Levels.SkipLast(1), new LevelGeometry(PageLevel.Pte, 21, 1, true)]),
            "pte cannot be folded");

    [Fact]
    public void A_folded_level_with_its_own_shift_is_rejected() =>
        AssertRejected(With(PageLevel.P4d, 40, 1, folded: true), "p4d is folded so its shift must be pgd's (39), not 40");

    [Fact]
    public void Va_bits_that_the_levels_do_not_cover_are_rejected() =>
        AssertRejected(Geometry(vaBits: 47, Real.Geometry.Levels), "the levels translate 48 bits of address but VaBits is 47");

    [Fact]
    public void A_task_size_beyond_the_address_space_is_rejected() =>
        AssertRejected(Geometry(vaBits: 48, Real.Geometry.Levels, taskSize: 1UL << 49), "TaskSize 0x2000000000000 lies beyond 2^48");

    [Fact]
    public void A_leaf_whose_size_is_not_the_level_span_is_rejected() =>
        AssertRejected(new Variant { Sizes = [new HugePageSize(21, PageLevel.Pud, HugePlacement.Leaf)] },
            "huge page 2M (pud leaf) is a leaf but pud entries map 2^30 bytes");

    [Fact]
    public void A_run_no_larger_than_one_slot_is_rejected() =>
        AssertRejected(new Variant { Sizes = [new HugePageSize(21, PageLevel.Pmd, HugePlacement.ContiguousRun)] },
            "huge page 2M (contiguous pmd run) is a run at pmd but is not larger than one entry (2^21)");

    [Fact]
    public void A_hugepd_at_a_folded_level_is_rejected() =>
        AssertRejected(new Variant { Sizes = [new HugePageSize(39, PageLevel.P4d, HugePlacement.HugePd)] },
            "is placed at p4d, which is folded");

    [Fact]
    public void A_codec_that_loses_table_pointers_is_rejected() =>
        AssertRejected(new Variant { EntryCodec = new ForgetfulCodec(EntryKind.Table) }, "the codec does not round-trip a table entry at pgd");

    [Fact]
    public void A_run_whose_slots_lose_the_contiguous_mark_is_rejected() =>
        AssertRejected(new Variant { Sizes = [.. Real.HugePageSizes, new HugePageSize(16, PageLevel.Pte, HugePlacement.ContiguousRun, RunAdvancesFrame: false)] },
            "the codec does not round-trip a slot 0 of the 64K (contiguous pte run) run");

    [Fact]
    public void Two_runs_repeating_their_frame_at_one_level_are_rejected() =>
        AssertRejected(new Variant
        {
            Sizes = [.. Real.HugePageSizes, new HugePageSize(16, PageLevel.Pte, HugePlacement.ContiguousRun, RunAdvancesFrame: false),
                new HugePageSize(17, PageLevel.Pte, HugePlacement.ContiguousRun, RunAdvancesFrame: false)],
        }, "2 runs at pte repeat their head's frame");

    [Fact]
    public void Words_wider_than_the_declared_entries_are_rejected() =>
        AssertRejected(new Variant { Shape = new PageGeometry(12, 48, Real.Geometry.TaskSize, 4, false, Real.Geometry.Levels) },
            "wider than the 32-bit entries the geometry declares");

    [Fact]
    public void A_codec_that_cannot_hold_the_poison_marker_is_rejected() =>
        AssertRejected(new Variant { EntryCodec = new ForgetfulCodec(EntryKind.Swap) }, "the codec does not round-trip a pte marker 0x2 at pte");

    [Fact]
    public void The_message_names_the_architecture() =>
        Assert.StartsWith("architecture 'x86_64 (levels=4,pku=on)' is invalid: ",
            Assert.Throws<InvalidPluginException>(() => ArchitectureValidator.Validate(With(PageLevel.Pud, 30, 500))).Message);

    private static void AssertRejected(Architecture arch, string problem)
    {
        var e = Assert.Throws<InvalidPluginException>(() => ArchitectureValidator.Validate(arch));
        Assert.Equal("x86_64 (levels=4,pku=on)", e.Architecture);
        Assert.Contains(e.Problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    private static Variant With(PageLevel level, int shift, int entries, bool folded = false) =>
        Geometry(vaBits: 48, Real.Geometry.Levels.Select(l => l.Level == level ? new LevelGeometry(level, shift, entries, folded) : l));

    private static Variant Geometry(int vaBits, IEnumerable<LevelGeometry> levels, ulong? taskSize = null) => new()
    {
        Shape = new PageGeometry(12, vaBits, taskSize ?? Real.Geometry.TaskSize, 8, false, levels.ToList()),
    };

    private sealed class Variant : Architecture
    {
        public PageGeometry Shape { get; init; } = Real.Geometry;
        public IReadOnlyList<HugePageSize> Sizes { get; init; } = Real.HugePageSizes;
        public IEntryCodec EntryCodec { get; init; } = Real.Codec;

        public override string Name => Real.Name;
        public override string Configuration => Real.Configuration;
        public override PageGeometry Geometry => Shape;
        public override IEntryCodec Codec => EntryCodec;
        public override IReadOnlyList<HugePageSize> HugePageSizes => Sizes;
    }

    /// <summary>The x86_64 codec, except that it writes entries of one kind as 0.</summary>
    private sealed class ForgetfulCodec(EntryKind forgets) : IEntryCodec
    {
        public ulong Encode(PageLevel level, in PageEntry entry) =>
            entry.Kind == forgets ? 0 : Real.Codec.Encode(level, entry);

        public PageEntry Decode(PageLevel level, ulong raw) => Real.Codec.Decode(level, raw);

        public string Describe(PageLevel level, ulong raw) => Real.Codec.Describe(level, raw);
    }
}
