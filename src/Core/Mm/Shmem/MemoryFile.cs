namespace Pluggable.Core.Mm;

/// <summary>A memory file: a shmem (tmpfs) inode, created by memfd_create or for shared anonymous memory.</summary>
/// Kernel: struct shmem_inode_info + its inode (mm/shmem.c); hugetlbfs inodes for <see cref="Hugetlb"/>.
public sealed class MemoryFile
{
    public MemoryFile(int id, string name, ulong size, bool hugetlb, int hugeShift, Physical.PhysicalMemory memory)
    {
        Cache = new PageCache(memory);
        Id = id;
        Name = name;
        Size = size;
        Hugetlb = hugetlb;
        HugeShift = hugeShift;
    }

    /// <summary>Non-zero identity stored in page descriptors of its cached pages.</summary>
    public int Id { get; }

    public string Name { get; }

    /// <summary>i_size in bytes.</summary>
    public ulong Size { get; set; }

    public bool Hugetlb { get; }

    /// <summary>Page shift of a hugetlb file's pages (0 for shmem).</summary>
    public int HugeShift { get; }

    public PageCache Cache { get; }

    /// <summary>A hugetlb file's reservation map (inode resv_map); null until a mapping reserves.</summary>
    public HugetlbResvMap? HugeResv { get; set; }

    /// <summary>Mappings and open descriptors keeping the file alive.</summary>
    public int References { get; set; }
}
