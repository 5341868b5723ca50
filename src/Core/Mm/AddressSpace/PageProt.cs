using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>The entry attributes a VMA's protection gives a new mapping.</summary>
/// Kernel: vm_get_page_prot() / protection_map[], maybe_mkwrite().
public static class PageProt
{
    /// <summary>Attributes every entry of the VMA carries; the write bit is decided per fault.</summary>
    public static EntryFlags Base(MemorySystem system, Vma vma)
    {
        if (!vma.IsAccessible)
            return EntryFlags.ProtNone | system.ProtectionMapFlags;
        var flags = EntryFlags.User | system.ProtectionMapFlags;
        if (vma.Has(VmFlags.Exec))
            flags |= EntryFlags.Exec;
        if (!Readable(system, vma))
            flags |= EntryFlags.ExecOnly;
        return flags;
    }

    /// <summary>
    /// Whether the VMA's entries let user mode read: write implies read everywhere, execute only
    /// where the architecture's entries have no execute-only form.
    /// </summary>
    /// Kernel: protection_map[VM_EXEC] (PAGE_EXECONLY or PAGE_READONLY_X).
    public static bool Readable(MemorySystem system, Vma vma) =>
        vma.Has(VmFlags.Read) || vma.Has(VmFlags.Write)
        || (vma.Has(VmFlags.Exec) && system.Capabilities.ExecOnly is ExecOnlyPages.None or ExecOnlyPages.FaultOnly);

    /// <summary>Whether a read fault in the VMA is allowed: as <see cref="Readable"/>, but a fault-only execute-only VMA refuses it.</summary>
    /// Kernel: access_error() for a read fault (arch/*/mm/fault.c).
    public static bool ReadFaultAllowed(MemorySystem system, Vma vma) =>
        Readable(system, vma) && !(system.Capabilities.ExecOnly == ExecOnlyPages.FaultOnly && !vma.Has(VmFlags.Read) && !vma.Has(VmFlags.Write));

    /// <summary>
    /// Whether the VMA's protection key denies the task's own data accesses, forced GUP included:
    /// an execute-only VMA where execute-only is a protection key.
    /// </summary>
    /// Kernel: arch_vma_access_permitted() with foreign = false (x86 pkeys).
    public static bool KeyDeniesData(MemorySystem system, Vma vma) =>
        system.Capabilities.ExecOnly == ExecOnlyPages.ProtectionKey && vma.IsAccessible && !Readable(system, vma);

    /// <summary>The attributes of vm_page_prot: base attributes, plus write where <see cref="ProtWritable"/>.</summary>
    public static EntryFlags ForSharedMapping(MemorySystem system, Vma vma) =>
        ProtWritable(vma) ? Base(system, vma) | EntryFlags.Write : Base(system, vma);

    /// <summary>
    /// Whether writes to a shared mapping must fault first. Shmem needs no dirty accounting, so only
    /// uffd-wp registration asks for it here.
    /// </summary>
    /// Kernel: vma_wants_writenotify().
    public static bool WantsWritenotify(Vma vma) =>
        vma.IsShared && vma.Has(VmFlags.Write) && vma.Has(VmFlags.UffdWp);

    /// <summary>The write bit of vm_page_prot: only shared writable mappings without write-notify have it.</summary>
    /// Kernel: vma_set_page_prot().
    public static bool ProtWritable(Vma vma) =>
        vma.IsShared && vma.Has(VmFlags.Write) && !WantsWritenotify(vma);

    /// <summary>Kernel: vma_wants_manual_pte_write_upgrade().</summary>
    public static bool WantsManualWriteUpgrade(Vma vma) =>
        vma.IsShared ? WantsWritenotify(vma) : vma.Has(VmFlags.Write);

    /// <summary>Kernel: maybe_mkwrite() — write only if the VMA allows it.</summary>
    public static EntryFlags MaybeWrite(Vma vma, EntryFlags flags) =>
        vma.Has(VmFlags.Write) ? flags | EntryFlags.Write : flags;
}
