using System.Globalization;

namespace Pluggable.Core.Debug;

/// <summary>What kind of thing holds a reference to a frame, for the message of a failed check.</summary>
public enum HolderKind
{
    /// <summary>A PTE of an address space.</summary>
    Pte,

    /// <summary>A PMD leaf mapping a transparent huge page.</summary>
    PmdLeaf,

    /// <summary>A hugetlb entry: a leaf, the first slot of a contiguous run, or a hugepte.</summary>
    HugetlbEntry,

    /// <summary>The pointer to a page table from the level above (or the mm, for the pgd).</summary>
    TableLink,

    /// <summary>A slot of a memory file's page cache.</summary>
    PageCache,

    /// <summary>A pin taken by <c>gup ... pin</c> and not yet released.</summary>
    Pin,

    /// <summary>A reference taken by a GUP call that sleeps on a userfault.</summary>
    GupReference,

    /// <summary>A page a sleeping task keeps for itself (a COPY's page while its source faults).</summary>
    TaskPage,
}

/// <summary>
/// One holder of a reference: its kind, the address space, process or thread it belongs to, and
/// where (an address, or a page-cache index). Cheap to make; only turned into text when a check fails.
/// </summary>
public readonly record struct Holder(HolderKind Kind, int Owner, ulong Address, string? Name = null)
{
    public override string ToString() => Kind switch
    {
        HolderKind.Pte => Text($"mm{Owner} pte for 0x{Address:x}"),
        HolderKind.PmdLeaf => Text($"mm{Owner} pmd leaf for 0x{Address:x}"),
        HolderKind.HugetlbEntry => Text($"mm{Owner} hugetlb entry for 0x{Address:x}"),
        HolderKind.TableLink => Text($"mm{Owner} {Name} entry for 0x{Address:x}"),
        HolderKind.PageCache => Text($"page cache of file '{Name}' at index {Address}"),
        HolderKind.Pin => Text($"pin of process {Owner} at 0x{Address:x}"),
        HolderKind.GupReference => Text($"gup of thread t{Owner} at 0x{Address:x}"),
        _ => Text($"thread t{Owner} ({Name})"),
    };

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
