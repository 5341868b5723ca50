using System.Numerics;
using CsCheck;
using Pluggable.Core.Arch;
using Xunit;

namespace Pluggable.Arch.Testing;

/// <summary>
/// What every architecture plugin must satisfy. A plugin's test project subclasses this once and
/// names its plugin; every fact then runs over each of the plugin's snapshot configurations. What a
/// codec can represent is probed by default (<see cref="CodecProbe"/>); a subclass overrides the
/// virtual members only where probing cannot know better.
/// </summary>
public abstract class ArchitectureConformanceTests
{
    protected abstract IArchitecturePlugin Plugin { get; }

    /// <summary>Random cases per property, per level and configuration.</summary>
    protected virtual long Iterations => 500;

    /// <summary>The flags the codec keeps for <paramref name="kind"/> at <paramref name="level"/>.</summary>
    protected virtual FlagSupport SupportedFlags(Architecture arch, EntryKind kind, PageLevel level) => kind switch
    {
        EntryKind.Page => CodecProbe.Flags(arch.Codec, level, PageAt(arch, level, FrameAlignment(arch, kind, level))),
        EntryKind.Swap => CodecProbe.Flags(arch.Codec, level, PageEntry.SwapEntry(0, 1, EntryFlags.None)),
        _ => new FlagSupport(EntryFlags.None, EntryFlags.None, []),
    };

    /// <summary>The largest frame a <paramref name="kind"/> entry at <paramref name="level"/> holds.</summary>
    protected virtual ulong MaxFrame(Architecture arch, EntryKind kind, PageLevel level) =>
        CodecProbe.MaxFrame(arch.Codec, level,
            frame => kind == EntryKind.Table ? PageEntry.Table(frame) : PageAt(arch, level, frame),
            FrameAlignment(arch, kind, level));

    protected virtual (byte MaxType, ulong MaxOffset) SwapLimits(Architecture arch, PageLevel level) =>
        CodecProbe.SwapLimits(arch.Codec, level);

    /// <summary>Where swap-format entries occur: ptes, and the leaf levels (THP migration entries).</summary>
    protected virtual IEnumerable<PageLevel> SwapLevels(Architecture arch) => HugeLeafLevels(arch).Prepend(PageLevel.Pte);

    // ---- the plugin ----

    [Fact]
    public void Plugin_names_itself_and_builds_its_default_configuration()
    {
        Assert.False(string.IsNullOrWhiteSpace(Plugin.Name));
        Assert.DoesNotContain(Plugin.Name, Plugin.Aliases);
        Assert.Equal(Plugin.Name, Plugin.Create(new Dictionary<string, string>()).Name);
    }

    [Fact]
    public void Options_default_to_one_of_their_values()
    {
        foreach (var option in Plugin.Options)
        {
            Assert.False(string.IsNullOrWhiteSpace(option.Name));
            Assert.Contains(option.Default, option.Values);
        }
    }

    [Fact]
    public void Snapshot_configurations_use_declared_options_and_differ()
    {
        var configurations = Plugin.SnapshotConfigurations.ToList();
        Assert.NotEmpty(configurations);
        foreach (var configuration in configurations)
            foreach (var (name, value) in configuration)
                Assert.Contains(value, Assert.Single(Plugin.Options, o => o.Name == name).Values);
        var names = configurations.Select(c => Plugin.Create(c).Configuration).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Option_values_outside_the_declared_ones_are_rejected()
    {
        foreach (var option in Plugin.Options)
            Assert.ThrowsAny<ArgumentException>(() => Plugin.Create(new Dictionary<string, string> { [option.Name] = "no-such-value" }));
    }

    [Fact]
    public void Validator_accepts_every_configuration() => ForEachConfiguration(ArchitectureValidator.Validate);

    // ---- geometry ----

    [Fact]
    public void Geometry_has_the_five_levels_in_order_with_pgd_and_pte_unfolded() => ForEachConfiguration(arch =>
    {
        var g = arch.Geometry;
        Assert.Equal(PageLevels.All, g.Levels.Select(l => l.Level));
        Assert.False(g[PageLevel.Pgd].Folded);
        Assert.False(g[PageLevel.Pte].Folded);
        Assert.Equal(g.PageShift, g[PageLevel.Pte].Shift);
        Assert.Contains(g.EntryBytes, new[] { 4, 8 });
    });

    [Fact]
    public void Folded_levels_have_one_entry_and_the_shift_above() => ForEachConfiguration(arch =>
    {
        var g = arch.Geometry;
        foreach (var level in g.Levels.Where(l => l.Folded))
        {
            Assert.Equal(1, level.Entries);
            Assert.Equal(g.ParentOf(level.Level)!.Shift, level.Shift);
        }
    });

    [Fact]
    public void Shifts_grow_by_the_entries_of_the_level_below() => ForEachConfiguration(arch =>
    {
        var g = arch.Geometry;
        foreach (var level in g.Levels.Where(l => !l.Folded))
        {
            Assert.True(BitOperations.IsPow2(level.Entries), $"{level.Name} has {level.Entries} entries");
            if (g.ChildOf(level.Level) is { } below)
                Assert.Equal(below.Shift + BitOperations.Log2((uint)below.Entries), level.Shift);
        }
    });

    [Fact]
    public void Levels_cover_the_virtual_address_bits_and_task_size_fits() => ForEachConfiguration(arch =>
    {
        var g = arch.Geometry;
        var top = g[PageLevel.Pgd];
        Assert.Equal(g.VaBits, top.Shift + BitOperations.Log2((uint)top.Entries));
        Assert.True((UInt128)g.TaskSize <= UInt128.One << g.VaBits, $"TaskSize 0x{g.TaskSize:x} beyond 2^{g.VaBits}");
        Assert.True(g.TaskSize > 0 && g.TaskSize % g.PageSize == 0, $"TaskSize 0x{g.TaskSize:x} is not a positive page multiple");
    });

    // ---- huge pages ----

    [Fact]
    public void Huge_page_sizes_are_distinct_stable_and_placeable() => ForEachConfiguration(arch =>
    {
        var g = arch.Geometry;
        var sizes = arch.HugePageSizes;
        Assert.Equal(sizes.Count, sizes.Select(h => h.Shift).Distinct().Count());
        Assert.Equal(sizes, Plugin.Create(OptionsOf(arch)).HugePageSizes);
        foreach (var size in sizes)
        {
            var level = g[size.Level];
            Assert.False(level.Folded, $"{size} lives at folded {level.Name}");
            Assert.True(size.Shift > g.PageShift, $"{size} is not larger than a page");
            if (size.Placement == HugePlacement.Leaf)
                Assert.Equal(level.Shift, size.Shift);
            if (size.Placement == HugePlacement.ContiguousRun)
                Assert.True(size.Shift > level.Shift, $"{size} is a run no larger than one {level.Name} entry");
        }
    });

    [Fact]
    public void Default_huge_page_is_declared_when_sizes_exist() => ForEachConfiguration(arch =>
    {
        if (arch.HugePageSizes.Count == 0)
            Assert.Null(arch.DefaultHugePage);
        else
            Assert.Contains(arch.DefaultHugePage!, arch.HugePageSizes);
    });

    // ---- the codec ----

    [Fact]
    public void None_is_the_zero_word_at_every_level() => ForEachConfiguration(arch =>
    {
        foreach (var level in UnfoldedLevels(arch))
        {
            Assert.Equal(0UL, arch.Codec.Encode(level, PageEntry.Empty));
            Assert.True(arch.Codec.Decode(level, 0).IsNone);
        }
    });

    [Fact]
    public void Table_entries_round_trip() => ForEachConfiguration(arch =>
    {
        foreach (var level in UnfoldedLevels(arch).Where(l => l != PageLevel.Pte))
            RoundTrip(arch, level, Frames(arch, EntryKind.Table, level).Select(PageEntry.Table));
    });

    /// <summary>
    /// The pte flags the core writes and reads back must each survive a round trip on their own: a
    /// codec that loses one, or folds two into one bit (Dirty and Special sharing bit 8), would
    /// otherwise only drop them from what the random round trips below try.
    /// </summary>
    [Fact]
    public void The_flags_the_core_relies_on_are_kept_at_the_pte() => ForEachConfiguration(arch =>
    {
        var caps = arch.Capabilities;
        var needed = EntryFlags.Write | EntryFlags.Dirty | EntryFlags.Young | EntryFlags.User | EntryFlags.Exec | EntryFlags.ProtNone
            | (caps.PteSpecial ? EntryFlags.Special : EntryFlags.None)
            | (caps.UffdWp ? EntryFlags.UffdWp : EntryFlags.None)
            | (caps.SoftDirty ? EntryFlags.SoftDirty : EntryFlags.None);
        var support = SupportedFlags(arch, EntryKind.Page, PageLevel.Pte);
        var lost = needed & ~(support.Optional | support.Base);
        Assert.True(lost == EntryFlags.None, $"a pte does not keep {lost} on its own (kept: {support})");
    });

    [Fact]
    public void Pte_pages_round_trip() => ForEachConfiguration(arch =>
        RoundTrip(arch, PageLevel.Pte, Pages(arch, PageLevel.Pte)));

    [Fact]
    public void Huge_leaves_round_trip_at_every_leaf_level() => ForEachConfiguration(arch =>
    {
        foreach (var level in HugeLeafLevels(arch))
            RoundTrip(arch, level, Pages(arch, level));
    });

    /// <summary>
    /// Every slot of a contiguous run, written as the core writes it (head flags plus Huge and Cont,
    /// the run's shift, the frame advancing per slot or repeated), decodes to its own frame and keeps
    /// Cont: the walk reads a run slot by the run's rule and needs both.
    /// </summary>
    [Fact]
    public void Run_slots_keep_their_frame_and_the_contiguous_mark() => ForEachConfiguration(arch =>
    {
        var g = arch.Geometry;
        foreach (var size in arch.HugePageSizes.Where(h => h.Placement == HugePlacement.ContiguousRun))
        {
            int slotsLog2 = size.Shift - g[size.Level].Shift;
            ulong slotPages = size.RunAdvancesFrame ? g[size.Level].EntrySpan >> g.PageShift : 0;
            ulong runPages = 1UL << (size.Shift - g.PageShift);
            ulong maxHead = MaxFrame(arch, EntryKind.Page, size.Level) / runPages;
            Assert.True(maxHead > 0, $"no {size} run fits the codec's frames");
            var flags = SupportedFlags(arch, EntryKind.Page, size.Level);
            Gen.Select(Gen.ULong[0, maxHead - 1], Gen.Int[0, (1 << slotsLog2) - 1], Gen.UInt, (head, slot, f) =>
                    new PageEntry(EntryKind.Page, head * runPages + (ulong)slot * slotPages,
                        flags.Normalize((EntryFlags)f) | EntryFlags.Huge | EntryFlags.Cont, Shift: (byte)size.Shift))
                .Sample(entry =>
                {
                    var back = arch.Codec.Decode(size.Level, arch.Codec.Encode(size.Level, entry));
                    Assert.True(back.Kind == EntryKind.Page && back.Frame == entry.Frame && back.Has(EntryFlags.Cont),
                        $"a slot of the {size} run written as {entry} decodes as {back}");
                }, iter: Iterations);
        }
    });

    [Fact]
    public void HugePd_entries_round_trip() => ForEachConfiguration(arch =>
    {
        foreach (var size in arch.HugePageSizes.Where(h => h.Placement == HugePlacement.HugePd))
        {
            ulong max = CodecProbe.MaxFrame(arch.Codec, size.Level, f => PageEntry.HugePd(f, size.Shift));
            Assert.True(max > 0, $"a hugepd for {size} does not round-trip");
            RoundTrip(arch, size.Level, Gen.ULong[0, max].Select(f => PageEntry.HugePd(f, size.Shift)));
        }
    });

    [Fact]
    public void Swap_entries_round_trip() => ForEachConfiguration(arch =>
    {
        foreach (var level in SwapLevels(arch))
        {
            var (maxType, maxOffset) = SwapLimits(arch, level);
            Assert.True(maxOffset > 0, $"no swap offset round-trips at {level.KernelName()}");
            var flags = SupportedFlags(arch, EntryKind.Swap, level);
            RoundTrip(arch, level, Gen.Select(Gen.Byte[0, maxType], Gen.ULong[0, maxOffset], Gen.UInt,
                (type, offset, f) => PageEntry.SwapEntry(type, offset, flags.Normalize((EntryFlags)f))));
        }
    });

    [Fact]
    public void Describe_never_throws() => ForEachConfiguration(arch =>
    {
        foreach (var level in UnfoldedLevels(arch))
            Gen.ULong.Sample(raw => Assert.NotNull(arch.Codec.Describe(level, raw)), iter: Iterations);
    });

    [Fact]
    public void A_decoded_word_encodes_to_a_word_that_decodes_the_same() => ForEachConfiguration(arch =>
    {
        foreach (var level in UnfoldedLevels(arch))
            Gen.ULong.Sample(raw =>
            {
                var entry = arch.Codec.Decode(level, raw);
                if (!entry.IsNone && TryEncode(arch.Codec, level, entry, out ulong again))
                    Assert.Equal(entry, arch.Codec.Decode(level, again));
            }, iter: Iterations);
    });

    // ---- hooks ----

    [Fact]
    public void Zero_page_index_is_in_range() => ForEachConfiguration(arch =>
    {
        Assert.True(arch.ZeroPageCount >= 1);
        Gen.ULong[0, arch.Geometry.TaskSize - 1].Sample(
            address => Assert.InRange(arch.ZeroPageIndex(address), 0, arch.ZeroPageCount - 1), iter: Iterations);
    });

    [Fact]
    public void Hooks_run_with_tracing_on_and_off() => ForEachConfiguration(arch =>
    {
        var page = PageEntry.Page(1, EntryFlags.User | EntryFlags.Young);
        ulong size = arch.Geometry.PageSize;
        foreach (var ctx in new[] { new RecordingContext(tracing: true), new RecordingContext(tracing: false) })
        {
            arch.PrepareSetEntry(ctx, PageLevel.Pte, size, page);
            arch.FlushTlbPage(ctx, size);
            arch.FlushTlbRange(ctx, size, 64 * size, arch.Geometry.PageShift);
            arch.FlushTlbMm(ctx);
            arch.FlushDcachePage(ctx, 1);
            arch.UpdateMmuCache(ctx, size, PageLevel.Pte, page);
            if (!ctx.Enabled)
                Assert.Empty(ctx.Events);
        }

        Assert.True(arch.GupFastPermitted(0, size));
        Assert.True(arch.AccessPermitted(page, write: false));
    });

    // ---- helpers ----

    protected static IEnumerable<PageLevel> UnfoldedLevels(Architecture arch) =>
        arch.Geometry.Levels.Where(l => !l.Folded).Select(l => l.Level);

    /// <summary>Levels above the pte where one entry maps a huge page (leaves, and slots of runs).</summary>
    protected static IEnumerable<PageLevel> HugeLeafLevels(Architecture arch) =>
        arch.HugePageSizes.Where(h => h.Placement != HugePlacement.HugePd && h.Level != PageLevel.Pte)
            .Select(h => h.Level).Distinct();

    private static PageEntry PageAt(Architecture arch, PageLevel level, ulong frame) =>
        PageEntry.Page(frame, level == PageLevel.Pte ? EntryFlags.None : EntryFlags.Huge);

    /// <summary>A leaf above the pte maps a whole entry span, so its frame is aligned to it.</summary>
    private static ulong FrameAlignment(Architecture arch, EntryKind kind, PageLevel level) =>
        kind == EntryKind.Page ? 1UL << (arch.Geometry[level].Shift - arch.Geometry.PageShift) : 1;

    private Gen<ulong> Frames(Architecture arch, EntryKind kind, PageLevel level)
    {
        ulong alignment = FrameAlignment(arch, kind, level);
        ulong max = MaxFrame(arch, kind, level);
        Assert.True(max >= alignment, $"no {kind} frame round-trips at {level.KernelName()}");
        return Gen.ULong[0, max / alignment].Select(n => n * alignment);
    }

    private Gen<PageEntry> Pages(Architecture arch, PageLevel level)
    {
        var flags = SupportedFlags(arch, EntryKind.Page, level);
        return Gen.Select(Frames(arch, EntryKind.Page, level), Gen.UInt,
            (frame, f) => PageEntry.Page(frame, flags.Normalize((EntryFlags)f)));
    }

    private void RoundTrip(Architecture arch, PageLevel level, Gen<PageEntry> entries) =>
        entries.Sample(entry =>
        {
            ulong raw = arch.Codec.Encode(level, entry);
            Assert.True(raw != 0, $"{entry} encodes as an empty word at {level.KernelName()}");
            Assert.Equal(entry, arch.Codec.Decode(level, raw));
            Assert.NotNull(arch.Codec.Describe(level, raw));
        }, iter: Iterations);

    /// <summary>A decoded word may hold what the codec refuses to write back (a reserved value); that is allowed.</summary>
    private static bool TryEncode(IEntryCodec codec, PageLevel level, PageEntry entry, out ulong raw)
    {
        try
        {
            raw = codec.Encode(level, entry);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            raw = 0;
            return false;
        }
    }

    private IReadOnlyDictionary<string, string> OptionsOf(Architecture arch) =>
        Plugin.SnapshotConfigurations.First(c => Plugin.Create(c).Configuration == arch.Configuration);

    private void ForEachConfiguration(Action<Architecture> check)
    {
        var architectures = Plugin.SnapshotConfigurations.Select(Plugin.Create).ToList();
        Assert.NotEmpty(architectures);
        foreach (var arch in architectures)
        {
            try
            {
                check(arch);
            }
            catch (Exception e)
            {
                throw new ConformanceException(arch, e);
            }
        }
    }

    private sealed class ConformanceException(Architecture arch, Exception inner)
        : Exception($"[{arch}] {inner.Message}", inner);
}
