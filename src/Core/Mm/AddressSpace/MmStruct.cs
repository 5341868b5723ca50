using Pluggable.Core.PageTables;

namespace Pluggable.Core.Mm;

/// <summary>One process's address space: its VMAs and page tables.</summary>
/// Kernel: struct mm_struct.
public sealed class MmStruct
{
    internal MmStruct(MemorySystem system, int id)
    {
        System = system;
        Id = id;
        Tables = new PageTable(system.Memory, system.Ops);
        Vmas = new VmaList(system.Memory);
    }

    public MemorySystem System { get; }

    public int Id { get; }

    public PageTable Tables { get; }

    public VmaList Vmas { get; }

    /// <summary>False once the address space was torn down (exit); the context may outlive it.</summary>
    public bool Alive { get; internal set; } = true;

    /// <summary>The OOM killer chose this process: its private memory is gone and it only waits to exit.</summary>
    public bool OomKilled { get; internal set; }

    /// <summary>A child still being built by fork: no process owns it yet, so the OOM killer passes it by.</summary>
    public bool InFork { get; internal set; }

    /// <summary>A pin was ever taken (MMF_HAS_PINNED): fork copies maybe-pinned anon pages eagerly.</summary>
    public bool HasPinned { get; set; }

    /// <summary>Resident pages by kind (MM_ANONPAGES / MM_FILEPAGES).</summary>
    public long AnonRss { get; set; }

    public long FileRss { get; set; }

    /// <summary>Where the next mapping without a fixed address is placed.</summary>
    internal ulong NextFree { get; set; }

    public override string ToString() => $"mm{Id}";
}
