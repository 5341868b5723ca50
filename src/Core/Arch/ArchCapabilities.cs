namespace Pluggable.Core.Arch;

/// <summary>What the architecture supports; every flag has a harmless default.</summary>
/// <param name="UffdWpSince">The first release whose architecture code has uffd-wp, when it came later than the rest (null: every modelled release).</param>
/// <param name="ExecOnlySince">The first release that enforces <see cref="ExecOnly"/>, when older ones let execute imply read (null: every modelled release).</param>
/// Kernel: HAVE_ARCH_TRANSPARENT_HUGEPAGE, HAVE_ARCH_USERFAULTFD_WP/_MINOR, HAVE_FAST_GUP, ARCH_HAS_PTE_SPECIAL,
/// HAVE_ARCH_SOFT_DIRTY; PAGE_EXECONLY or execute_only_pkey() for PROT_EXEC alone.
public sealed record ArchCapabilities(
    bool Thp = false,
    bool UffdWp = false,
    bool UffdMinor = false,
    bool GupFast = true,
    bool PteSpecial = true,
    bool SoftDirty = false,
    ExecOnlyPages ExecOnly = ExecOnlyPages.None,
    Kernel.LinuxVersion? UffdWpSince = null,
    Kernel.LinuxVersion? ExecOnlySince = null)
{
    /// <summary>What the architecture supports in <paramref name="release"/>.</summary>
    public ArchCapabilities At(Kernel.LinuxVersion release) => this with
    {
        UffdWp = UffdWp && !(UffdWpSince is { } wp && release < wp),
        ExecOnly = ExecOnlySince is { } exec && release < exec ? ExecOnlyPages.None : ExecOnly,
    };

    public override string ToString()
    {
        var names = new List<string>();
        if (Thp) names.Add("thp");
        if (UffdWp) names.Add("uffd-wp");
        if (UffdMinor) names.Add("uffd-minor");
        if (GupFast) names.Add("gup-fast");
        if (PteSpecial) names.Add("pte-special");
        if (SoftDirty) names.Add("soft-dirty");
        if (ExecOnly == ExecOnlyPages.Entry) names.Add("exec-only");
        if (ExecOnly == ExecOnlyPages.ProtectionKey) names.Add("exec-only-pkey");
        if (ExecOnly == ExecOnlyPages.FaultOnly) names.Add("exec-only-fault");
        return string.Join(" ", names);
    }
}

/// <summary>
/// How PROT_EXEC alone is enforced. Either way a load from such a VMA is SIGSEGV (access_error()),
/// its entries carry <see cref="EntryFlags.ExecOnly"/>, and GUP without FOLL_FORCE refuses it (no
/// VM_READ); they differ for GUP with FOLL_FORCE, MAP_POPULATE's.
/// </summary>
public enum ExecOnlyPages
{
    /// <summary>Execute implies read (x86_64 without protection keys, PowerPC hash and 8xx).</summary>
    None,

    /// <summary>
    /// The entry says it: user mode may run it, not load through it (arm64 PAGE_EXECONLY with EPAN,
    /// RISC-V PAGE_EXEC, PowerPC radix). A forced GUP reads it: populate maps it.
    /// </summary>
    Entry,

    /// <summary>
    /// A protection key whose rights deny data access, in the entry's key bits (x86
    /// execute_only_pkey()). The task's own GUP is refused even with FOLL_FORCE, so populate maps
    /// nothing; a remote GUP (FOLL_REMOTE) is not checked against the task's keys.
    /// </summary>
    /// Kernel: arch_vma_access_permitted() (arch/x86/include/asm/mmu_context.h).
    ProtectionKey,

    /// <summary>
    /// Only the fault handler refuses a load from a VMA with VM_EXEC alone; its entries allow loads
    /// (PowerPC hash: PAGE_READONLY_X), so a page something else mapped there, the forced GUP of
    /// MAP_POPULATE for one, reads fine.
    /// </summary>
    /// Kernel: access_error() in arch/powerpc/mm/fault.c, which no longer asks radix_enabled() (6.12; 6.1 did).
    FaultOnly,
}
