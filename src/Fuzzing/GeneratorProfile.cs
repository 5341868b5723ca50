using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;

namespace Pluggable.Fuzzing;

/// <summary>
/// What the generator may ask of the machine a scenario runs on: page and huge page sizes, which
/// hugetlb pools exist, and whether the scenario must also be comparable with the live kernel.
/// </summary>
public sealed record GeneratorProfile
{
    /// <summary>
    /// Mappings stay below this (or three default huge pages) so that a scenario never asks the
    /// shared test machine for more than a few hundred MiB, whatever it fills.
    /// </summary>
    public const ulong MappingBudget = 16UL << 20;

    /// <summary>
    /// Huge page shapes (hugetlb files, THP-sized mappings, <c>hp</c> offsets) are generated only
    /// when the default huge page is at most this large: arm64 with 64K pages has 512 MiB PMD pages,
    /// and three of them filled would be more memory than a test may take.
    /// </summary>
    public const ulong LargestHugePage = 32UL << 20;

    public required ulong PageSize { get; init; }

    /// <summary>The default huge page: the <c>hp</c> unit, and the page size of hugetlb memory files.</summary>
    public required ulong HugePageSize { get; init; }

    /// <summary>Huge page sizes <c>hugepages</c> may size a pool of.</summary>
    public required IReadOnlyList<ulong> PoolSizes { get; init; }

    /// <summary>Whether hugetlb files, THP-sized mappings and huge page offsets are generated.</summary>
    public bool HugeShapes => HugePageSize <= LargestHugePage && PoolSizes.Contains(HugePageSize);

    /// <summary>
    /// Only what the live kernel answers the same way on every machine: no emulator-only commands,
    /// no sizes that depend on the machine's memory.
    /// </summary>
    public bool HostComparable { get; init; }

    /// <summary>The emulated machine's memory, so that sizes around it (overcommit, running out) are asked for; null for host runs.</summary>
    public ulong? MemoryBytes { get; init; }

    /// <summary>
    /// Mostly GUP: its system calls, long-term pins, <c>gup</c>/<c>unpin</c>, with fork, munmap,
    /// mremap and madvise in between (the property tests of pin and reference accounting).
    /// </summary>
    public bool GupFocus { get; init; }

    /// <summary>How many commands a scenario has after its set-up, at most.</summary>
    public int Length { get; init; } = 40;

    /// <summary>The largest mapping the generator makes.</summary>
    public ulong MaxMapping => HugeShapes ? Math.Max(MappingBudget, 3 * HugePageSize) : MappingBudget;

    /// <summary>Scenarios for the emulator on <paramref name="arch"/>, with the emulator-only commands and the machine's limits.</summary>
    public static GeneratorProfile ForEmulator(Architecture arch, EmulatorOptions machine) => new()
    {
        PageSize = arch.Geometry.PageSize,
        HugePageSize = arch.DefaultHugePage?.Size ?? arch.Geometry.PmdSize,
        PoolSizes = PoolSizesOf(arch, includeGigantic: true),
        MemoryBytes = machine.MemoryBytes,
    };

    /// <summary>
    /// Scenarios to run on the emulator (<paramref name="arch"/>, x86_64) and on the live kernel alike.
    /// Gigantic (1 GiB) pools are left out: whether the kernel finds 1 GiB of contiguous memory
    /// depends on how fragmented the machine is, not on the rules being compared.
    /// </summary>
    public static GeneratorProfile ForHostComparison(Architecture arch) => new()
    {
        PageSize = arch.Geometry.PageSize,
        HugePageSize = arch.DefaultHugePage?.Size ?? arch.Geometry.PmdSize,
        PoolSizes = PoolSizesOf(arch, includeGigantic: false),
        HostComparable = true,
    };

    private static List<ulong> PoolSizesOf(Architecture arch, bool includeGigantic)
    {
        var sizes = new List<ulong>();
        foreach (var size in arch.HugePageSizes)
        {
            // Pools are only sized, never filled, beyond LargestHugePage: the frames stay untouched.
            if (size.Size <= (includeGigantic ? 1UL << 30 : LargestHugePage))
                sizes.Add(size.Size);
        }
        return sizes;
    }
}
