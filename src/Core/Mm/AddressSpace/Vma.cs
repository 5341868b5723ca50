namespace Pluggable.Core.Mm;

/// <summary>A virtual memory area: [Start, End) with one set of flags, backing and userfaultfd owner.</summary>
/// Kernel: struct vm_area_struct.
public sealed class Vma
{
    public Vma(ulong start, ulong end, VmFlags flags, MemoryFile? file, ulong pgoff)
    {
        Start = start;
        End = end;
        Flags = flags;
        File = file;
        PgOff = pgoff;
    }

    public ulong Start { get; set; }
    public ulong End { get; set; }
    public VmFlags Flags { get; set; }

    /// <summary>The shmem/hugetlbfs file behind the mapping; null for anonymous memory.</summary>
    public MemoryFile? File { get; }

    /// <summary>Offset of <see cref="Start"/> in the file, in base pages (vm_pgoff).</summary>
    public ulong PgOff { get; set; }

    /// <summary>The userfaultfd context this VMA is registered with (vm_userfaultfd_ctx).</summary>
    public IUserfaultContext? Uffd { get; set; }

    /// <summary>Identity of the anon_vma once the VMA has anonymous pages (0 before).</summary>
    public int AnonVma { get; set; }

    /// <summary>
    /// A private hugetlb mapping's reservation map, held by the process that created the mapping
    /// (HPAGE_RESV_OWNER) and shared by the pieces it splits into; null elsewhere.
    /// </summary>
    public HugetlbResvMap? HugetlbResv { get; set; }

    /// <summary>
    /// The owner of the private hugetlb mapping this one was forked from took a shared page away
    /// from it, for want of a free page to copy into (HPAGE_RESV_UNMAPPED): from then on a fault
    /// that finds no page here raises SIGBUS rather than showing a fresh page where data was.
    /// </summary>
    public bool HugetlbResvUnmapped { get; set; }

    public ulong Length => End - Start;

    /// <summary>Kernel: vma_is_anonymous() — no vm_ops.</summary>
    public bool IsAnonymous => File is null;

    /// <summary>Kernel: vma_is_shmem().</summary>
    public bool IsShmem => File is { Hugetlb: false };

    /// <summary>Kernel: is_vm_hugetlb_page().</summary>
    public bool IsHugetlb => File is { Hugetlb: true };

    public bool IsShared => (Flags & VmFlags.Shared) != 0;

    /// <summary>Kernel: vma_is_accessible() — any of read, write or exec.</summary>
    public bool IsAccessible => (Flags & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) != 0;

    public bool Has(VmFlags flag) => (Flags & flag) != 0;

    public bool Contains(ulong address) => address >= Start && address < End;

    /// <summary>Kernel: is_cow_mapping() — private and possibly writable.</summary>
    public bool IsCowMapping => (Flags & (VmFlags.Shared | VmFlags.MayWrite)) == VmFlags.MayWrite;

    /// <summary>The file page index of <paramref name="address"/> (linear_page_index).</summary>
    public ulong FileIndex(ulong address, int pageShift) => PgOff + ((address - Start) >> pageShift);

    public Vma CloneRange(ulong start, ulong end, int pageShift) =>
        new(start, end, Flags, File, File is null ? 0 : PgOff + ((start - Start) >> pageShift))
        {
            Uffd = Uffd,
            AnonVma = AnonVma,
            HugetlbResv = HugetlbResv,
            HugetlbResvUnmapped = HugetlbResvUnmapped,
        };

    public override string ToString() => $"[{Start:x}, {End:x}) {Flags}";
}
