using Pluggable.Core.Arch;
using Pluggable.Core.Kernel;
using Pluggable.Core.PageTables;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// The machine the emulated processes share: physical memory, the zero page(s), memory files and
/// the architecture's operations. Everything an mm path needs that is not per address space.
/// </summary>
public sealed class MemorySystem : IDisposable
{
    private readonly List<MmStruct> _mms = [];
    private readonly List<MemoryFile> _files = [];
    private int _nextMmId;
    private int _nextFileId;
    private int _nextAnonVma;

    /// <param name="memoryBytes">The machine's RAM (MemTotal).</param>
    /// <param name="kernel">The Linux release modelled; <see cref="LinuxVersion.Default"/> when null.</param>
    public MemorySystem(Architecture arch, ulong memoryBytes, LinuxVersion? kernel = null)
    {
        Kernel = new KernelBehaviour(kernel ?? LinuxVersion.Default);
        Arch = arch;
        Geometry = arch.Geometry;
        Memory = new PhysicalMemory(arch.Geometry.PageShift, memoryBytes);
        Oom = new OomKiller(this);
        Ops = new ArchOps(arch, Memory);
        Zero = new ZeroPages(Memory, arch.ZeroPageCount, arch.ZeroPageIndex);
        Hugetlb = new HugetlbPools(arch.HugePageSizes, Memory);
        HugeZero = new HugeZeroFolio(Memory, arch.Geometry.PmdShift - arch.Geometry.PageShift);
        ProtectionMapFlags = arch.ProtectionMapFlags;
        Capabilities = arch.Capabilities.At(Kernel.Version);
    }

    /// <summary>What the modelled release does where releases differ.</summary>
    public KernelBehaviour Kernel { get; }

    public Architecture Arch { get; }

    /// <summary>The architecture's <see cref="Architecture.ProtectionMapFlags"/>, read once.</summary>
    public EntryFlags ProtectionMapFlags { get; }

    /// <summary>The architecture's <see cref="Architecture.Capabilities"/> in the modelled release, read once: a plugin may build them in its getter.</summary>
    public ArchCapabilities Capabilities { get; }

    public PageGeometry Geometry { get; }

    public int PageShift => Geometry.PageShift;

    public ulong PageSize => Geometry.PageSize;

    public PhysicalMemory Memory { get; }

    public ArchOps Ops { get; }

    public ZeroPages Zero { get; }

    /// <summary>The hugetlb pools, one per huge page size.</summary>
    public HugetlbPools Hugetlb { get; }
    public HugeZeroFolio HugeZero { get; }

    /// <summary>/sys/kernel/mm/transparent_hugepage/enabled.</summary>
    public ThpPolicy Thp { get; set; } = ThpPolicy.Madvise;

    public IReadOnlyList<MmStruct> Mms => _mms;

    public OomKiller Oom { get; }

    public RunDeadline Deadline { get; } = new();

    /// <summary>
    /// The address space of the task running now (the kernel's current->mm), set by the backend for
    /// each command and each parked task it runs again; null outside them.
    /// </summary>
    public MmStruct? Current { get; set; }

    /// <summary>
    /// A point in a long loop where the task holds nothing that a teardown could pull away (no slot,
    /// no page without its reference): the run's time limit is looked at, and if memory ran out the
    /// OOM killer acts. <paramref name="workingOn"/> is the address space the loop changes. False
    /// when the task's own process was killed: the loop stops, as the kernel's do on a fatal signal.
    /// </summary>
    /// Kernel: cond_resched() + fatal_signal_pending() in long loops; out_of_memory() as the page allocator calls it.
    public bool Checkpoint(MmStruct workingOn)
    {
        Deadline.Check();
        var current = Current ?? workingOn;
        if (Memory.Exhausted)
            Oom.Settle(current, workingOn == current ? null : workingOn);
        return !current.OomKilled;
    }

    /// <summary>The memory files still referenced (by a descriptor or a mapping).</summary>
    public IReadOnlyList<MemoryFile> Files => _files;

    /// <summary>Lowest address mappings are placed at.</summary>
    public ulong MapBase => Math.Max(Geometry.PmdSize, 1UL << 28);

    public MmStruct CreateMm()
    {
        var mm = new MmStruct(this, ++_nextMmId) { NextFree = MapBase };
        _mms.Add(mm);
        return mm;
    }

    public MemoryFile CreateFile(string name, ulong size, bool hugetlb, int hugeShift)
    {
        var file = new MemoryFile(++_nextFileId, name, size, hugetlb, hugeShift, Memory);
        _files.Add(file);
        return file;
    }

    public int NewAnonVmaId() => ++_nextAnonVma;

    /// <summary>Tears an address space down: every mapping is unmapped and every table freed.</summary>
    /// Kernel: exit_mmap().
    public void DestroyMm(MmStruct mm)
    {
        if (!mm.Alive)
            return;
        // From the last: each removal is then O(1), whatever the number of VMAs.
        for (int i = mm.Vmas.Count - 1; i >= 0; i--)
            Unmapping.RemoveVma(mm, mm.Vmas.All[i]);
        mm.Tables.FreeAll();
        mm.Alive = false;
        _mms.Remove(mm);
    }

    /// <summary>Drops one reference (a mapping or a descriptor); the last one frees the file's pages.</summary>
    /// Kernel: fput() -> shmem_evict_inode() -> truncate.
    public void DropFileReference(MemoryFile file)
    {
        if (--file.References > 0)
            return;
        if (file.References < 0 || !_files.Remove(file))
            throw new InvalidOperationException($"BUG: file '{file.Name}' released once more than it was referenced");
        if (file.Hugetlb)
            HugetlbFile.Evict(this, file);
        foreach (var (index, pfn) in file.Cache.Entries().ToArray())
        {
            file.Cache.Store(index, 0);
            ref var d = ref Memory[pfn];
            d.Flags &= ~PageFlags.PageCache;
            Folios.Put(this, pfn);
        }
    }

    public void Dispose() => Memory.Dispose();
}
