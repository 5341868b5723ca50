namespace Pluggable.Core.Arch;

/// <summary>
/// The contract an architecture plugin implements. Abstract members are what every architecture
/// must say; virtual members are asm-generic defaults a plugin overrides only where it differs.
/// Generic code never asks for an architecture's name, only for these operations and capabilities.
/// </summary>
public abstract class Architecture
{
    /// <summary>The architecture's name as users select it (e.g. "x86_64").</summary>
    public abstract string Name { get; }

    /// <summary>The chosen configuration, e.g. "levels=5"; empty when there are no options.</summary>
    public virtual string Configuration => "";

    public abstract PageGeometry Geometry { get; }

    public abstract IEntryCodec Codec { get; }

    /// <summary>Hugetlb page sizes (hstates) in the kernel's registration order.</summary>
    public abstract IReadOnlyList<HugePageSize> HugePageSizes { get; }

    public virtual ArchCapabilities Capabilities => new();

    /// <summary>
    /// The attributes every entry built from a VMA's protection starts with, beside what the
    /// protection itself says. Every architecture in the tree makes new entries young: x86 has
    /// ___A in each PAGE_*, arm64 PTE_AF in _PROT_DEFAULT, riscv _PAGE_ACCESSED in _PAGE_BASE,
    /// book3s64 _PAGE_ACCESSED in _PAGE_BASE_NC. Read once, when the machine is made.
    /// </summary>
    /// Kernel: protection_map[] / vm_get_page_prot().
    public virtual EntryFlags ProtectionMapFlags => EntryFlags.Young;

    /// <summary>The default hugetlb size (HPAGE_SHIFT): the PMD leaf when there is one.</summary>
    /// Kernel: default_hstate / HPAGE_SHIFT.
    public virtual HugePageSize? DefaultHugePage =>
        HugePageSizes.FirstOrDefault(h => h.Shift == Geometry.PmdShift) ?? HugePageSizes.FirstOrDefault();

    /// <summary>How many zero frames exist (more than one on architectures with coloured zero pages).</summary>
    /// Kernel: zero_page_mask / __HAVE_COLOR_ZERO_PAGE.
    public virtual int ZeroPageCount => 1;

    /// <summary>Which zero frame (0-based) serves <paramref name="address"/>.</summary>
    /// Kernel: ZERO_PAGE(vaddr).
    public virtual int ZeroPageIndex(ulong address) =>
        ZeroPageCount == 1 ? 0 : (int)((address >> Geometry.PageShift) & (ulong)(ZeroPageCount - 1));

    /// <summary>
    /// Whether a present entry allows the access without a fault: a user entry, not PROT_NONE,
    /// writable for a store, not execute-only for a load.
    /// </summary>
    /// Kernel: pte_access_permitted() (x86 _PAGE_PRESENT|_PAGE_USER, arm64 PTE_VALID|PTE_USER, Book3S-64 _PAGE_READ).
    public virtual bool AccessPermitted(in PageEntry entry, bool write) =>
        entry.Kind == EntryKind.Page && !entry.Has(EntryFlags.ProtNone) && entry.Has(EntryFlags.User)
        && (write ? entry.Has(EntryFlags.Write) : !entry.Has(EntryFlags.ExecOnly));

    /// <summary>Kernel: gup_fast_permitted().</summary>
    public virtual bool GupFastPermitted(ulong start, ulong end) => end <= Geometry.TaskSize;

    /// <summary>
    /// Called for every entry about to be written, before encoding. May change the entry (PowerPC's
    /// exec filter) or do side work (arm64's lazy instruction-cache sync).
    /// </summary>
    /// Kernel: set_ptes() / set_pte_at() / __set_pte_at() filters.
    public virtual PageEntry PrepareSetEntry(ArchContext ctx, PageLevel level, ulong address, in PageEntry entry) => entry;

    /// <summary>
    /// Whether changing a present contiguous run must first clear every slot and flush the TLB over
    /// the run (arm64 break-before-make).
    /// </summary>
    public virtual bool RunNeedsBreakBeforeMake => false;

    /// <summary>
    /// Whether MADV_DONTNEED frees a PTE table it leaves empty when it covered the table's whole
    /// PMD block (Linux 6.14 and later, where the architecture selects ARCH_SUPPORTS_PT_RECLAIM):
    /// the PMD is then none again, which MADV_COLLAPSE and the page-table count see.
    /// </summary>
    /// Kernel: CONFIG_PT_RECLAIM, reclaim_pt_is_enabled() (mm/pt_reclaim.c).
    public virtual bool ReclaimsEmptyPteTables => false;

    /// <summary>Kernel: flush_tlb_page(). The core traces the call; a plugin adds detail.</summary>
    public virtual void FlushTlbPage(ArchContext ctx, ulong address)
    {
    }

    /// <summary>Kernel: flush_tlb_range(vma, start, end), stride = huge page size for hugetlb VMAs.</summary>
    public virtual void FlushTlbRange(ArchContext ctx, ulong start, ulong end, int strideShift)
    {
    }

    /// <summary>Kernel: flush_tlb_mm().</summary>
    public virtual void FlushTlbMm(ArchContext ctx)
    {
    }

    /// <summary>Kernel: flush_dcache_folio() / flush_dcache_page(); asm-generic does nothing.</summary>
    public virtual void FlushDcachePage(ArchContext ctx, ulong pfn)
    {
    }

    /// <summary>Kernel: update_mmu_cache_range() after a fault installed an entry.</summary>
    public virtual void UpdateMmuCache(ArchContext ctx, ulong address, PageLevel level, in PageEntry entry)
    {
    }

    /// <summary>One-line description of the configuration for <c>pluggable archs</c> and snapshot headers.</summary>
    public override string ToString() => Configuration.Length == 0 ? Name : $"{Name} ({Configuration})";
}
