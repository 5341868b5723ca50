using System.Globalization;

namespace Pluggable.HostKernel;

/// <summary>The counters of one hugetlb pool (/sys/kernel/mm/hugepages/hugepages-NkB).</summary>
/// Kernel: struct hstate's nr_huge_pages, free_huge_pages, resv_huge_pages, surplus_huge_pages, nr_overcommit_huge_pages.
internal readonly record struct HugePool(string Name, long Total, long Free, long Reserved, long Surplus, long Overcommit)
{
    /// <summary>The pool's size as nr_hugepages sets it: surplus pages come and go with their users.</summary>
    public long Persistent => Total - Surplus;
}

/// <summary>
/// The machine-wide state a scenario's answers depend on: every hugetlb pool's counters and the
/// THP policies. Read at the start of a host run and compared at its end (and, for the settings
/// only a write changes, after every command), so that a change made from outside is named.
/// </summary>
internal sealed record MachineState(IReadOnlyList<HugePool> Pools, string Thp, string ShmemThp)
{
    /// <exception cref="IOException">A file of <paramref name="root"/> cannot be read.</exception>
    public static MachineState Read(string root)
    {
        var pools = new List<HugePool>();
        string hugepages = Path.Combine(root, "hugepages");
        if (Directory.Exists(hugepages))
        {
            foreach (var dir in Directory.GetDirectories(hugepages).Order(StringComparer.Ordinal))
            {
                pools.Add(new HugePool(Path.GetFileName(dir),
                    Number(dir, "nr_hugepages"), Number(dir, "free_hugepages"), Number(dir, "resv_hugepages"),
                    Number(dir, "surplus_hugepages"), Number(dir, "nr_overcommit_hugepages")));
            }
        }
        string thp = Path.Combine(root, "transparent_hugepage");
        return new MachineState(pools, Choice(Path.Combine(thp, "enabled")), Choice(Path.Combine(thp, "shmem_enabled")));
    }

    /// <summary>What differs from <paramref name="before"/>, one phrase per value, in a stable order.</summary>
    public IReadOnlyList<string> ChangesSince(MachineState before)
    {
        var changes = new List<string>();
        foreach (var pool in Pools)
        {
            var old = before.Pools.FirstOrDefault(p => p.Name == pool.Name);
            if (old.Name is null)
            {
                changes.Add($"{pool.Name} appeared");
                continue;
            }
            Compare(changes, pool.Name, "nr_hugepages", old.Total, pool.Total);
            Compare(changes, pool.Name, "free_hugepages", old.Free, pool.Free);
            Compare(changes, pool.Name, "resv_hugepages", old.Reserved, pool.Reserved);
            Compare(changes, pool.Name, "surplus_hugepages", old.Surplus, pool.Surplus);
            Compare(changes, pool.Name, "nr_overcommit_hugepages", old.Overcommit, pool.Overcommit);
        }
        if (Thp != before.Thp)
            changes.Add($"transparent_hugepage/enabled {before.Thp} -> {Thp}");
        if (ShmemThp != before.ShmemThp)
            changes.Add($"transparent_hugepage/shmem_enabled {before.ShmemThp} -> {ShmemThp}");
        return changes;
    }

    private static void Compare(List<string> changes, string pool, string counter, long before, long now)
    {
        if (before != now)
            changes.Add($"{pool}/{counter} {before} -> {now}");
    }

    private static long Number(string dir, string file) =>
        long.TryParse(File.ReadAllText(Path.Combine(dir, file)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : -1;

    private static string Choice(string path) => File.Exists(path) ? SysfsKnobs.Selected(File.ReadAllText(path)) : "";
}
