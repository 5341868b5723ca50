namespace Pluggable.Core;

/// <summary>The error numbers the kernel returns to user space (x86_64/asm-generic values).</summary>
/// Kernel: include/uapi/asm-generic/errno-base.h, errno.h.
public enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    ENOSPC = 28,
    ESPIPE = 29,
    ENOTTY = 25,
    ERANGE = 34,
    ENOSYS = 38,
    EOVERFLOW = 75,
    EOPNOTSUPP = 95,
    EHWPOISON = 133,
}
