namespace Pluggable.Core.Userfaultfd;

/// <summary>The event of a <c>struct uffd_msg</c>.</summary>
public enum UffdEvent : byte
{
    PageFault = 0x12,
    Fork = 0x13,
    Remap = 0x14,
    Remove = 0x15,
    Unmap = 0x16,
}

/// <summary>
/// One message a <c>read</c> returned. For page faults <see cref="Flags"/> holds the
/// UFFD_PAGEFAULT_FLAG_* bits; for fork <see cref="NewUffd"/> is the backend's handle of the
/// child's userfaultfd; remap uses From/To/Length; remove and unmap use From/Length.
/// </summary>
/// Kernel: struct uffd_msg (include/uapi/linux/userfaultfd.h).
public readonly record struct UffdMessage(UffdEvent Event, ulong Address, ulong Flags, ulong To, ulong Length, int NewUffd, uint ThreadId)
{
    public const ulong FlagWrite = 1;
    public const ulong FlagWp = 2;
    public const ulong FlagMinor = 4;
}
