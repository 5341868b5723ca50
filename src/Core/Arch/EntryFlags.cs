namespace Pluggable.Core.Arch;

/// <summary>
/// Architecture-neutral attributes of an entry. The plugin's codec maps them to real bits; a flag
/// the architecture has no bit for is dropped on encode and never reported on decode.
/// </summary>
/// Kernel: the pte_write()/pte_dirty()/pte_young()/pte_special()/pte_uffd_wp()... family.
[Flags]
public enum EntryFlags : uint
{
    None = 0,
    Write = 1 << 0,
    Dirty = 1 << 1,
    Young = 1 << 2,
    User = 1 << 3,
    Exec = 1 << 4,
    Special = 1 << 5,
    UffdWp = 1 << 6,
    SoftDirty = 1 << 7,

    /// <summary>A leaf above the PTE level (pmd_mkhuge / pud_mkhuge), or a huge PTE.</summary>
    Huge = 1 << 8,

    /// <summary>One slot of a contiguous run (arm64 PTE_CONT / PMD_SECT_CONT).</summary>
    Cont = 1 << 9,
    Global = 1 << 10,
    Devmap = 1 << 11,

    /// <summary>Present for the kernel but inaccessible to the CPU: PROT_NONE (pte_protnone).</summary>
    ProtNone = 1 << 12,

    /// <summary>Swap entry only: the page was exclusive anon when swapped (swp_exclusive).</summary>
    SwapExclusive = 1 << 13,

    /// <summary>
    /// The entry is not readable: user mode may run it (with <see cref="Exec"/>) but not load
    /// through it, the kernel's PAGE_EXECONLY. Every other present user entry is readable, so the
    /// read permission is the absence of this flag. The core sets it only on the entries of a
    /// PROT_EXEC-only VMA, and only where the architecture declares
    /// <see cref="ArchCapabilities.ExecOnly"/>; its codec then clears the read bit (arm64
    /// PTE_USER, RISC-V _PAGE_READ, Book3S-64 radix _PAGE_READ) or writes the execute-only
    /// protection key (x86_64 pkey 1). Elsewhere it is never set.
    /// </summary>
    ExecOnly = 1 << 14,
}
