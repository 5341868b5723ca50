namespace Pluggable.Core.Userfaultfd;

/// <summary>The userfaultfd user-space ABI: API version, feature bits, register and ioctl mode bits, ioctl numbers.</summary>
/// Kernel: include/uapi/linux/userfaultfd.h.
public static class UffdUapi
{
    public const ulong Api = 0xAA;

    public const ulong FeaturePagefaultFlagWp = 1UL << 0;
    public const ulong FeatureEventFork = 1UL << 1;
    public const ulong FeatureEventRemap = 1UL << 2;
    public const ulong FeatureEventRemove = 1UL << 3;
    public const ulong FeatureMissingHugetlbfs = 1UL << 4;
    public const ulong FeatureMissingShmem = 1UL << 5;
    public const ulong FeatureEventUnmap = 1UL << 6;
    public const ulong FeatureSigbus = 1UL << 7;
    public const ulong FeatureThreadId = 1UL << 8;
    public const ulong FeatureMinorHugetlbfs = 1UL << 9;
    public const ulong FeatureMinorShmem = 1UL << 10;
    public const ulong FeatureExactAddress = 1UL << 11;
    public const ulong FeatureWpHugetlbfsShmem = 1UL << 12;
    public const ulong FeatureWpUnpopulated = 1UL << 13;
    public const ulong FeaturePoison = 1UL << 14;
    public const ulong FeatureWpAsync = 1UL << 15;
    public const ulong FeatureMove = 1UL << 16;

    /// <summary>Every feature today's kernel knows (0x1FFFF).</summary>
    public const ulong FeatureAll = (1UL << 17) - 1;

    /// <summary>Kernel-internal: set in the context once UFFDIO_API succeeded.</summary>
    public const ulong FeatureInitialized = 1UL << 31;

    /// <summary>Feature names in bit order, as scenarios spell them.</summary>
    public static readonly string[] FeatureNames =
    [
        "pagefault_flag_wp", "event_fork", "event_remap", "event_remove", "missing_hugetlbfs",
        "missing_shmem", "event_unmap", "sigbus", "thread_id", "minor_hugetlbfs", "minor_shmem",
        "exact_address", "wp_hugetlbfs_shmem", "wp_unpopulated", "poison", "wp_async", "move",
    ];

    public const ulong RegisterModeMissing = 1;
    public const ulong RegisterModeWp = 2;
    public const ulong RegisterModeMinor = 4;
    public const ulong RegisterModesAll = 7;

    public const ulong CopyModeDontWake = 1;
    public const ulong CopyModeWp = 2;
    public const ulong ZeropageModeDontWake = 1;
    public const ulong WriteProtectModeWp = 1;
    public const ulong WriteProtectModeDontWake = 2;
    public const ulong ContinueModeDontWake = 1;
    public const ulong ContinueModeWp = 2;
    public const ulong PoisonModeDontWake = 1;
    public const ulong MoveModeDontWake = 1;
    public const ulong MoveModeAllowSrcHoles = 2;

    /// <summary>_UFFDIO_* ioctl numbers; bit (1 &lt;&lt; nr) appears in the ioctls masks.</summary>
    public const int IoctlRegister = 0x00;
    public const int IoctlUnregister = 0x01;
    public const int IoctlWake = 0x02;
    public const int IoctlCopy = 0x03;
    public const int IoctlZeropage = 0x04;
    public const int IoctlMove = 0x05;
    public const int IoctlWriteProtect = 0x06;
    public const int IoctlContinue = 0x07;
    public const int IoctlPoison = 0x08;
    public const int IoctlApi = 0x3F;

    /// <summary>UFFD_API_IOCTLS: what UFFDIO_API reports.</summary>
    public const ulong ApiIoctls = (1UL << IoctlRegister) | (1UL << IoctlUnregister) | (1UL << IoctlApi);

    /// <summary>UFFD_API_RANGE_IOCTLS (0x1FC).</summary>
    public const ulong RangeIoctls = (1UL << IoctlWake) | (1UL << IoctlCopy) | (1UL << IoctlZeropage) | (1UL << IoctlMove)
        | (1UL << IoctlWriteProtect) | (1UL << IoctlContinue) | (1UL << IoctlPoison);

    /// <summary>UFFD_API_RANGE_IOCTLS_BASIC (0x1CC): when any VMA of the range is hugetlb.</summary>
    public const ulong RangeIoctlsBasic = (1UL << IoctlWake) | (1UL << IoctlCopy) | (1UL << IoctlWriteProtect)
        | (1UL << IoctlContinue) | (1UL << IoctlPoison);

    /// <summary>Range-ioctl names in bit order, as <c>register</c> prints them.</summary>
    /// <summary>The <c>needs</c> names of the features later releases added, of those in <paramref name="offered"/>.</summary>
    public static IEnumerable<string> LaterFeatureNames(ulong offered)
    {
        if ((offered & FeatureWpUnpopulated) != 0)
            yield return "uffd-wp-unpopulated";
        if ((offered & FeatureWpAsync) != 0)
            yield return "uffd-wp-async";
        if ((offered & FeaturePoison) != 0)
            yield return "uffd-poison";
        if ((offered & FeatureMove) != 0)
            yield return "uffd-move";
    }

    public static string FormatIoctls(ulong bits)
    {
        var names = new List<string>();
        for (int nr = 0; nr < 64; nr++)
        {
            if ((bits & (1UL << nr)) == 0)
                continue;
            names.Add(nr switch
            {
                IoctlWake => "wake",
                IoctlCopy => "copy",
                IoctlZeropage => "zeropage",
                IoctlMove => "move",
                IoctlWriteProtect => "writeprotect",
                IoctlContinue => "continue",
                IoctlPoison => "poison",
                _ => $"bit{nr}",
            });
        }
        return "ioctls=" + string.Join(",", names);
    }

    /// <summary>userfaultfd(2) flags.</summary>
    public const int UserModeOnly = 1;
    public const int ONonBlock = 0x800;
    public const int OCloexec = 0x80000;
}
