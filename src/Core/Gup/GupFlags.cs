namespace Pluggable.Core.Gup;

/// <summary>The flags of a get_user_pages call, public and internal.</summary>
/// Kernel: FOLL_* (include/linux/mm_types.h, mm/internal.h).
[Flags]
public enum GupFlags : uint
{
    None = 0,
    Write = 0x1,
    Get = 0x2,
    Dump = 0x4,
    Force = 0x8,
    NoWait = 0x10,
    NoFault = 0x20,
    HwPoison = 0x40,
    Anon = 0x80,
    LongTerm = 0x100,
    SplitPmd = 0x200,
    Touch = 0x10000,
    Tried = 0x20000,
    Remote = 0x40000,
    Pin = 0x80000,
    FastOnly = 0x100000,
    Unlockable = 0x200000,
}
