using Pluggable.Core.Mm;

namespace Pluggable.Core.Debug;

/// <summary>
/// The consistency checker, in the manner of CONFIG_DEBUG_VM: after a command, every VMA list is
/// sane, every frame's reference, map and pin counts equal the references that exist (page tables
/// of every address space, page caches, pool free lists, and what the caller reports: pins, pages
/// sleeping tasks keep, open files), the RSS and table counters match the tables, and the hugetlb
/// reservations balance. At teardown, nothing may be left but the zero pages and free pool pages.
/// A mismatch throws <see cref="DebugVmException"/>. Costs what is populated: the tables, caches
/// and frames in use, never the size of a mapping.
/// </summary>
/// Kernel: CONFIG_DEBUG_VM (VM_BUG_ON_*, mm/debug.c), CONFIG_PAGE_TABLE_CHECK, check_mm() (kernel/fork.c).
public sealed class DebugVm
{
    private readonly MemorySystem _system;
    private readonly Action<ReferenceCensus> _reportOutside;
    private readonly ReferenceCensus _census;
    private readonly PoolTally _pools;

    /// <param name="reportOutside">Reports the references held outside the address spaces and caches: pins, sleeping tasks, open files.</param>
    public DebugVm(MemorySystem system, Action<ReferenceCensus> reportOutside)
    {
        _system = system;
        _reportOutside = reportOutside;
        _census = new ReferenceCensus(system);
        _pools = new PoolTally(system.Hugetlb.All.Count);
    }

    /// <summary>Checks everything; throws <see cref="DebugVmException"/> naming the first thing found wrong.</summary>
    public void Check()
    {
        Count(0, 0);
        _pools.Clear();
        if (FrameCheck.Find(_system, _census, _pools) is { } problem)
            throw Explain(problem);
        PageCacheCheck.CheckReferences(_system, _census);
        HugetlbReservationCheck.Check(_system, _pools);
    }

    /// <summary>
    /// After every process exited and every file was closed: no address space or file is left, and
    /// no frame is in use but the zero pages and the free pool pages (the pools keep their size).
    /// </summary>
    /// Kernel: check_mm() at __mmdrop(), bad_page() when a page is freed in use.
    public void CheckTeardown()
    {
        if (_system.Mms.Count != 0)
            throw new DebugVmException($"{_system.Mms.Count} address spaces outlive their processes: {string.Join(", ", _system.Mms)}");
        if (_system.Files.Count != 0)
            throw new DebugVmException($"{_system.Files.Count} files outlive every descriptor and mapping: {string.Join(", ", _system.Files.Select(f => $"'{f.Name}' ({f.References} references)"))}");
        Check();
        foreach (var pool in _system.Hugetlb.All)
        {
            if (pool.FreeHugepages != pool.NrHugepages)
                throw new DebugVmException($"{pool.Size} pool: {pool.NrHugepages - pool.FreeHugepages} pages still in use at teardown");
        }
    }

    private void Count(ulong focusFirst, ulong focusPages)
    {
        _census.Reset(focusFirst, focusPages);
        var mms = _system.Mms;
        for (int i = 0; i < mms.Count; i++)
        {
            VmaCheck.Check(mms[i], _census);
            PageTableCheck.Check(mms[i], _census);
        }
        PageCacheCheck.Count(_system, _census);
        _reportOutside(_census);
    }

    /// <summary>Counts again, writing down who holds the folio, and names them.</summary>
    private DebugVmException Explain(FrameProblem problem)
    {
        ulong pages = 1UL << problem.Order;
        Count(problem.Head, pages);
        var holders = _census.FocusHolders;
        string held = holders.Count == 0 ? "nothing" : string.Join(", ", holders);
        string frame = pages == 1 ? $"pfn 0x{problem.Head:x}" : $"folio 0x{problem.Head:x} (order {problem.Order})";
        return new DebugVmException(problem.Head == 0 ? problem.What : $"{frame} {problem.What}; held by: {held}");
    }
}
