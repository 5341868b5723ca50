using Pluggable.Core.Arch;

namespace Pluggable.Core.Mm;

/// <summary>The entry attributes a VMA's protection gives a new mapping.</summary>
/// Kernel: vm_get_page_prot() / protection_map[], maybe_mkwrite().
public static class PageProt
{
    /// <summary>Attributes every entry of the VMA carries; the write bit is decided per fault.</summary>
    public static EntryFlags Base(Vma vma)
    {
        if ((vma.Flags & VmFlags.AccessMask) == 0)
            return EntryFlags.ProtNone;
        var flags = EntryFlags.User;
        if (vma.Has(VmFlags.Exec))
            flags |= EntryFlags.Exec;
        return flags;
    }

    /// <summary>Base attributes plus write where the VMA is shared and writable (no write-notify for shmem).</summary>
    public static EntryFlags ForSharedMapping(Vma vma)
    {
        var flags = Base(vma);
        if (vma.IsShared && vma.Has(VmFlags.Write))
            flags |= EntryFlags.Write;
        return flags;
    }

    /// <summary>Kernel: maybe_mkwrite() — write only if the VMA allows it.</summary>
    public static EntryFlags MaybeWrite(Vma vma, EntryFlags flags) =>
        vma.Has(VmFlags.Write) ? flags | EntryFlags.Write : flags;
}
