namespace Pluggable.Core.Mm;

/// <summary>A mapping's protection (<c>none</c>, <c>r</c>, <c>rw</c>, <c>rx</c>, <c>rwx</c>).</summary>
/// Kernel: PROT_READ / PROT_WRITE / PROT_EXEC.
[Flags]
public enum Protection
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
}

/// <summary>The madvise advices a scenario may give.</summary>
/// Kernel: MADV_DONTNEED, MADV_REMOVE, MADV_PAGEOUT, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, MADV_POPULATE_READ/WRITE.
public enum Advice
{
    DontNeed,
    Remove,
    PageOut,
    HugePage,
    NoHugePage,
    Collapse,
    PopulateRead,
    PopulateWrite,
}

/// <summary>The transparent huge page policy (/sys/kernel/mm/transparent_hugepage/enabled).</summary>
public enum ThpPolicy
{
    Always,
    Madvise,
    Never,
}
