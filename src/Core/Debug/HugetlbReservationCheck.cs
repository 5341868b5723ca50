using Pluggable.Core.Mm;

namespace Pluggable.Core.Debug;

/// <summary>
/// The hugetlb pools balance: each pool's pages (free ones counted apart) are what the frames say,
/// and the reservations outstanding — in each shared file, the
/// reserved indices with no page in the cache yet; in each private mapping that owns its
/// reservation, the huge pages of its range whose reservation was not used — are the reserved
/// count plus the pages in use that will give one back when freed (zapped private pages). More may
/// be reserved than is free: the kernel restores a reservation as it frees the page as surplus
/// (free_huge_folio() while the pool shrinks), and the pages promised are then not there.
/// </summary>
/// Kernel: the resv_huge_pages accounting of mm/hugetlb.c (hugetlb_acct_memory(), region_count(),
/// hugetlb_unreserve_pages(), hugetlb_vm_op_close()) and the hstate counters (nr_huge_pages, free_huge_pages).
internal static class HugetlbReservationCheck
{
    public static void Check(MemorySystem system, in PoolTally tally)
    {
        var pools = system.Hugetlb.All;
        for (int p = 0; p < pools.Count; p++)
        {
            var pool = pools[p];
            if (tally.Pages[p] != pool.NrHugepages || tally.Free[p] != pool.FreeHugepages)
                throw new DebugVmException(
                    $"{pool.Size} pool: nr_hugepages {pool.NrHugepages} and free {pool.FreeHugepages}, but the frames hold {tally.Pages[p]} pool pages, {tally.Free[p]} free");
            long outstanding = (long)Outstanding(system, pool);
            if (outstanding != pool.ResvHugepages + (long)tally.Carried[p])
                throw new DebugVmException(
                    $"{pool.Size} pool: resv_huge_pages is {pool.ResvHugepages} and {tally.Carried[p]} pages in use will give one back, but files and private mappings hold {outstanding} reservations ({Holders(system, pool)})");
        }
    }

    private static ulong Outstanding(MemorySystem system, HugetlbPool pool)
    {
        ulong total = 0;
        var files = system.Files;
        for (int f = 0; f < files.Count; f++)
        {
            var file = files[f];
            if (file.Hugetlb && file.HugeShift == pool.Size.Shift && file.HugeResv is { } map)
                total += SharedOutstanding(file, map);
        }
        var mms = system.Mms;
        for (int m = 0; m < mms.Count; m++)
        {
            var vmas = mms[m].Vmas.All;
            for (int v = 0; v < vmas.Count; v++)
            {
                if (PrivateOwner(vmas[v], pool) is { } vma)
                    total += PrivateOutstanding(system, vma);
            }
        }
        return total;
    }

    private static ulong SharedOutstanding(MemoryFile file, HugetlbResvMap map)
    {
        ulong n = 0;
        foreach (ulong index in map.Indices)
        {
            if (file.Cache.Lookup(index) == 0)
                n++;
        }
        return n;
    }

    private static Vma? PrivateOwner(Vma vma, HugetlbPool pool) =>
        vma is { IsHugetlb: true, IsShared: false, HugetlbResv: not null } && vma.File!.HugeShift == pool.Size.Shift ? vma : null;

    private static ulong PrivateOutstanding(MemorySystem system, Vma vma)
    {
        ulong first = Hugetlb.HugeIndex(system, vma, vma.Start), last = Hugetlb.HugeIndex(system, vma, vma.End);
        return (last - first) - vma.HugetlbResv!.CountIn(first, last);
    }

    /// <summary>Who holds what, for the message.</summary>
    private static string Holders(MemorySystem system, HugetlbPool pool)
    {
        var parts = new List<string>();
        foreach (var file in system.Files)
        {
            if (file.Hugetlb && file.HugeShift == pool.Size.Shift && file.HugeResv is { } map)
                parts.Add($"file '{file.Name}' {SharedOutstanding(file, map)} of indices [{string.Join(",", map.Indices.Order())}]");
        }
        foreach (var mm in system.Mms)
        {
            foreach (var vma in mm.Vmas.All)
            {
                if (PrivateOwner(vma, pool) is { } owner)
                    parts.Add($"{mm} private {owner} {PrivateOutstanding(system, owner)}");
            }
        }
        return parts.Count == 0 ? "none" : string.Join("; ", parts);
    }
}
