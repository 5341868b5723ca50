using BenchmarkDotNet.Attributes;
using Pluggable.Arch.X86_64;
using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.Benchmarks;

/// <summary>
/// The emulator's longest per-entry paths, on the x86_64 plugin: MAP_POPULATE of a read-only
/// anonymous range (every entry the zero page, through set_pte_at and update_mmu_cache) and its
/// munmap (every entry zapped, every PTE table freed). A terabyte request costs this per entry.
/// </summary>
[MemoryDiagnoser]
public class PopulateBenchmarks
{
    private const ulong Bytes = 8UL << 30;

    private EmulatorBackend _backend = null!;
    private EmulatorBackend _thp = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new EmulatorBackend(new X86_64Plugin().Create(new Dictionary<string, string>()));
        _thp = new EmulatorBackend(new X86_64Plugin().Create(new Dictionary<string, string>()));
        _thp.Thp(ThpPolicy.Always);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _backend.Dispose();
        _thp.Dispose();
    }

    /// <summary>mmap 8 GiB prot=r populate (2 Mi zero-page entries, 4 Ki PTE tables), then munmap.</summary>
    [Benchmark]
    public string PopulateAndUnmap8GiB()
    {
        _backend.Mmap(0, new MmapRequest(null, Bytes, false, Protection.Read, 0, true, 0), out ulong address);
        return _backend.Munmap(0, address, Bytes).ToString();
    }

    /// <summary>
    /// With THP always, mmap 1 TiB prot=r populate: the huge zero page in 512 Ki PMD entries (no PTE
    /// table), one fault a PMD because the populate steps over each leaf; then munmap.
    /// </summary>
    [Benchmark]
    public string PopulateAndUnmap1TiBUnderTheHugeZeroPage()
    {
        _thp.Mmap(0, new MmapRequest(null, 1UL << 40, false, Protection.Read, 0, true, 0), out ulong address);
        return _thp.Munmap(0, address, 1UL << 40).ToString();
    }
}
