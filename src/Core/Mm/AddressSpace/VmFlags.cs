namespace Pluggable.Core.Mm;

/// <summary>A VMA's flags.</summary>
/// Kernel: VM_* in include/linux/mm.h.
[Flags]
public enum VmFlags : uint
{
    None = 0,
    Read = 1 << 0,
    Write = 1 << 1,
    Exec = 1 << 2,
    Shared = 1 << 3,
    MayRead = 1 << 4,
    MayWrite = 1 << 5,
    MayExec = 1 << 6,
    MayShare = 1 << 7,
    UffdMissing = 1 << 8,
    UffdWp = 1 << 9,
    UffdMinor = 1 << 10,
    HugePage = 1 << 11,
    NoHugePage = 1 << 12,
    Hugetlb = 1 << 13,
    DontFork = 1 << 14,
    Locked = 1 << 15,

    /// <summary>The mapping's size was charged to the commit check (VM_ACCOUNT).</summary>
    Account = 1 << 16,

    AccessMask = Read | Write | Exec,
    UffdMask = UffdMissing | UffdWp | UffdMinor,
}
