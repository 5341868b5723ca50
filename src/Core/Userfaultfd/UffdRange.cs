using Pluggable.Core.Arch;

namespace Pluggable.Core.Userfaultfd;

/// <summary>The range checks every userfaultfd ioctl runs first.</summary>
/// Kernel: validate_range() / validate_unaligned_range() (fs/userfaultfd.c).
public static class UffdRange
{
    public static Errno Validate(PageGeometry geo, ulong start, ulong length)
    {
        if ((start & (geo.PageSize - 1)) != 0)
            return Errno.EINVAL;
        return ValidateUnaligned(geo, start, length);
    }

    public static Errno ValidateUnaligned(PageGeometry geo, ulong start, ulong length)
    {
        if ((length & (geo.PageSize - 1)) != 0 || length == 0)
            return Errno.EINVAL;
        if (start >= geo.TaskSize || length > geo.TaskSize - start)
            return Errno.EINVAL;
        if (start + length < start)
            return Errno.EINVAL;
        return Errno.None;
    }
}
