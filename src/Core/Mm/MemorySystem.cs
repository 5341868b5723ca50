using Pluggable.Core.Arch;
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

    public MemorySystem(Architecture arch)
    {
        Arch = arch;
        Geometry = arch.Geometry;
        Memory = new PhysicalMemory(arch.Geometry.PageShift);
        Ops = new ArchOps(arch, Memory);
        Zero = new ZeroPages(Memory, arch.ZeroPageCount, arch.ZeroPageIndex);
        Hugetlb = new HugetlbPools(arch.HugePageSizes, Memory);
        HugeZero = new HugeZeroFolio(Memory, arch.Geometry.PmdShift - arch.Geometry.PageShift);
    }

    public Architecture Arch { get; }

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
        var file = new MemoryFile(++_nextFileId, name, size, hugetlb, hugeShift);
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
        foreach (var vma in mm.Vmas.All.ToArray())
            Unmapping.RemoveVma(mm, vma);
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
