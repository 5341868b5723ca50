using System.Numerics;
using Pluggable.Core.PageTables;

namespace Pluggable.Core.Arch;

/// <summary>
/// Checks, once when a plugin loads, that its geometry, huge page sizes and codec fit together the way
/// the generic walker assumes. Every problem found is reported, so a plugin author fixes them in one go.
/// </summary>
/// Kernel: none; it is start-up validation of what the kernel fixes at build time.
public static class ArchitectureValidator
{
    /// <exception cref="InvalidPluginException">The architecture breaks one of the core's assumptions.</exception>
    public static void Validate(Architecture arch)
    {
        var problems = new List<string>();
        var geometry = arch.Geometry;
        if (CheckLevels(geometry, problems))
        {
            CheckShifts(geometry, problems);
            CheckAddressSpace(geometry, problems);
            CheckHugePages(arch, problems);
            CheckCodec(arch, problems);
            CheckRuns(arch, problems);
            CheckMarkers(arch, problems);
            CheckExecOnly(arch, problems);
        }

        if (problems.Count > 0)
            throw new InvalidPluginException(arch.ToString(), problems);
    }

    /// <summary>Returns false when the level list is too broken for the other checks to mean anything.</summary>
    private static bool CheckLevels(PageGeometry g, List<string> problems)
    {
        for (int i = 0; i < PageLevels.Count; i++)
        {
            var level = g.Levels[i];
            if (level is null || level.Level != (PageLevel)i)
            {
                problems.Add($"levels must be pgd, p4d, pud, pmd, pte in that order, each once; slot {i} is {level?.Name ?? "missing"}");
                return false;
            }
        }

        bool usable = true;
        foreach (var level in g.Levels)
        {
            if (level.Entries < 1 || !BitOperations.IsPow2(level.Entries))
            {
                problems.Add($"{level.Name} has {level.Entries} entries, not a power of two");
                usable = false;
            }
            else if (level.Folded && level.Entries != 1)
            {
                problems.Add($"{level.Name} is folded but has {level.Entries} entries instead of 1");
            }
        }

        foreach (var ends in new[] { PageLevel.Pgd, PageLevel.Pte })
            if (g[ends].Folded)
            {
                problems.Add($"{ends.KernelName()} cannot be folded: the walk starts at pgd and ends at pte");
                usable = false;
            }

        return usable;
    }

    private static void CheckShifts(PageGeometry g, List<string> problems)
    {
        if (g[PageLevel.Pte].Shift != g.PageShift)
            problems.Add($"pte shift {g[PageLevel.Pte].Shift} differs from the page shift {g.PageShift}");
        if (g.PteCopies < 1 || !BitOperations.IsPow2(g.PteCopies))
            problems.Add($"a pte is stored {g.PteCopies} times; that must be a power of two, 1 for one word");

        foreach (var level in g.Levels)
        {
            if (level.Folded)
            {
                var above = g.ParentOf(level.Level)!;
                if (level.Shift != above.Shift)
                    problems.Add($"{level.Name} is folded so its shift must be {above.Name}'s ({above.Shift}), not {level.Shift}");
                continue;
            }

            var below = g.ChildOf(level.Level);
            if (below is not null && level.Shift != below.Shift + Log2(below.Entries))
                problems.Add($"{level.Name} shift {level.Shift} should be {below.Name} shift {below.Shift} + log2({below.Entries})");
        }
    }

    private static void CheckAddressSpace(PageGeometry g, List<string> problems)
    {
        var top = g[PageLevel.Pgd];
        int covered = top.Shift + Log2(top.Entries);
        if (covered != g.VaBits)
            problems.Add($"the levels translate {covered} bits of address but VaBits is {g.VaBits}");
        if (g.VaBits is < 1 or > 64)
            problems.Add($"VaBits {g.VaBits} is outside 1..64");
        else if ((UInt128)g.TaskSize > (UInt128.One << g.VaBits))
            problems.Add($"TaskSize 0x{g.TaskSize:x} lies beyond 2^{g.VaBits}");
    }

    private static void CheckHugePages(Architecture arch, List<string> problems)
    {
        var g = arch.Geometry;
        foreach (var size in arch.HugePageSizes)
        {
            var level = g[size.Level];
            if (level.Folded)
            {
                problems.Add($"huge page {size} is placed at {level.Name}, which is folded");
                continue;
            }

            int slotsLog2 = size.Shift - level.Shift;
            switch (size.Placement)
            {
                case HugePlacement.Leaf when slotsLog2 != 0:
                    problems.Add($"huge page {size} is a leaf but {level.Name} entries map 2^{level.Shift} bytes");
                    break;
                case HugePlacement.ContiguousRun when slotsLog2 <= 0:
                    problems.Add($"huge page {size} is a run at {level.Name} but is not larger than one entry (2^{level.Shift})");
                    break;
            }

            if (slotsLog2 > Log2(level.Entries))
                problems.Add($"huge page {size} needs 2^{slotsLog2} slots, more than a {level.Name} table has");
            if (size.Shift <= g.PageShift)
                problems.Add($"huge page {size} is not larger than the base page");
        }

        var byShift = arch.HugePageSizes.GroupBy(h => h.Shift).Where(s => s.Count() > 1);
        foreach (var duplicate in byShift)
            problems.Add($"huge page size {HugePageSize.Format(1UL << duplicate.Key)} is declared {duplicate.Count()} times");

        foreach (var level in arch.HugePageSizes.Where(h => h.Placement == HugePlacement.ContiguousRun && !h.RunAdvancesFrame).GroupBy(h => h.Level).Where(l => l.Count() > 1))
            problems.Add($"{level.Count()} runs at {level.Key.KernelName()} repeat their head's frame; a walk could not tell them apart (at most one per level)");

        var fallback = arch.DefaultHugePage;
        if (arch.HugePageSizes.Count > 0 && (fallback is null || !arch.HugePageSizes.Contains(fallback)))
            problems.Add("the default huge page is not one of the declared sizes");
    }

    /// <summary>The two entries every walk needs: a table pointer at each directory level, and a present pte.</summary>
    private static void CheckCodec(Architecture arch, List<string> problems)
    {
        const ulong probeFrame = 0x1234;
        var g = arch.Geometry;
        foreach (var level in g.Levels.Where(l => !l.Folded && l.Level != PageLevel.Pte))
            CheckRoundTrip(arch, level.Level, PageEntry.Table(probeFrame), problems);
        CheckRoundTrip(arch, PageLevel.Pte, PageEntry.Page(probeFrame, EntryFlags.None), problems);

        foreach (var level in g.Levels.Where(l => !l.Folded))
        {
            try
            {
                if (arch.Codec.Encode(level.Level, PageEntry.Empty) != 0)
                    problems.Add($"an empty {level.Name} entry must encode as 0");
                if (!arch.Codec.Decode(level.Level, 0).IsNone)
                    problems.Add($"a zero {level.Name} word must decode as none");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                problems.Add($"the codec throws on an empty {level.Name} entry: {e.Message}");
            }
        }
    }

    private static void CheckRoundTrip(Architecture arch, PageLevel level, PageEntry entry, List<string> problems) =>
        RoundTrip(arch, level, entry, $"{entry.Kind.ToString().ToLowerInvariant()} entry at {level.KernelName()}", problems);

    /// <summary>
    /// Every slot of a contiguous run as the core writes it (the head's flags with Huge, Cont and the
    /// run's shift; the frame advancing by a slot's pages, or repeated) must decode to the frame it was
    /// written with and keep Cont: the walk reads a slot by the run's rule, which needs both.
    /// </summary>
    /// Kernel: set_huge_pte_at() writing ncontig entries (arm64 hugetlbpage.c; riscv's napot run).
    private static void CheckRuns(Architecture arch, List<string> problems)
    {
        var g = arch.Geometry;
        foreach (var size in arch.HugePageSizes.Where(h => h.Placement == HugePlacement.ContiguousRun && !g[h.Level].Folded))
        {
            int slots = 1 << Math.Max(0, size.Shift - g[size.Level].Shift);
            ulong slotPages = size.RunAdvancesFrame ? g[size.Level].EntrySpan >> g.PageShift : 0;
            ulong head = 3UL << (size.Shift - g.PageShift);
            var flags = EntryFlags.User | EntryFlags.Young | EntryFlags.Dirty | EntryFlags.Write | EntryFlags.Huge | EntryFlags.Cont;
            for (int i = 0; i < slots; i++)
            {
                var slot = new PageEntry(EntryKind.Page, head + (ulong)i * slotPages, flags, Shift: (byte)size.Shift);
                if (!RoundTrip(arch, size.Level, slot, $"slot {i} of the {size} run", problems, keepsCont: true))
                    break;
            }
        }
    }

    /// <summary>
    /// The PTE markers the core writes (poison always; uffd-wp where the plugin offers it) at the
    /// pte and at every leaf level of a huge page (hugetlb writes markers there).
    /// </summary>
    /// Kernel: make_pte_marker() (include/linux/swapops.h), SWP_PTE_MARKER.
    private static void CheckMarkers(Architecture arch, List<string> problems)
    {
        var levels = arch.HugePageSizes.Where(h => h.Placement != HugePlacement.HugePd).Select(h => h.Level).Append(PageLevel.Pte).Distinct();
        ulong[] markers = arch.Capabilities.UffdWp ? [PteMarker.Poisoned, PteMarker.UffdWp, PteMarker.Poisoned | PteMarker.UffdWp] : [PteMarker.Poisoned];
        foreach (var level in levels.Where(l => !arch.Geometry[l].Folded))
            foreach (var bits in markers)
                RoundTrip(arch, level, PteMarker.Make(bits), $"pte marker 0x{bits:x} at {level.KernelName()}", problems);
    }

    /// <summary>
    /// A plugin that declares exec-only pages must write an exec-only pte that stays executable and
    /// that a load is refused through, while the same entry without the flag is readable: otherwise
    /// PROT_EXEC memory would silently read as on x86_64.
    /// </summary>
    /// Kernel: PAGE_EXECONLY and pte_access_permitted().
    private static void CheckExecOnly(Architecture arch, List<string> problems)
    {
        if (arch.Capabilities.ExecOnly == ExecOnlyPages.None)
            return;
        var readable = PageEntry.Page(1, EntryFlags.User | EntryFlags.Exec | EntryFlags.Young);
        var execOnly = readable.With(EntryFlags.ExecOnly);
        if (!RoundTrip(arch, PageLevel.Pte, execOnly, "exec-only pte", problems))
            return;
        var back = arch.Codec.Decode(PageLevel.Pte, arch.Codec.Encode(PageLevel.Pte, execOnly));
        var readableBack = arch.Codec.Decode(PageLevel.Pte, arch.Codec.Encode(PageLevel.Pte, readable));
        if (!back.Has(EntryFlags.Exec) || arch.AccessPermitted(back, write: false) || !arch.AccessPermitted(readableBack, write: false))
            problems.Add($"the plugin declares exec-only pages, but an exec-only pte decodes as {back} and a readable executable one as "
                + $"{readableBack}: the first must keep Exec and refuse a load (AccessPermitted), the second allow it");
    }

    /// <summary>Encodes and decodes <paramref name="entry"/>: the word must fit the entry width and give back the kind, frame (swap type and offset) and, for a run slot, Cont.</summary>
    private static bool RoundTrip(Architecture arch, PageLevel level, PageEntry entry, string what, List<string> problems, bool keepsCont = false)
    {
        try
        {
            ulong raw = arch.Codec.Encode(level, entry);
            int bits = arch.Geometry.EntryBytes * 8;
            if (bits < 64 && raw >> bits != 0)
            {
                problems.Add($"the codec encodes a {what} as 0x{raw:x}, wider than the {bits}-bit entries the geometry declares");
                return false;
            }
            var back = arch.Codec.Decode(level, raw);
            if (raw == 0 || back.Kind != entry.Kind || back.Frame != entry.Frame || back.SwapType != entry.SwapType || (keepsCont && !back.Has(EntryFlags.Cont)))
            {
                problems.Add($"the codec does not round-trip a {what}: encoded 0x{raw:x16}, decoded {back}");
                return false;
            }
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            problems.Add($"the codec throws on a {what}: {e.Message}");
            return false;
        }
    }

    private static int Log2(int entries) => BitOperations.Log2((uint)entries);
}
