namespace Pluggable.Core.Userfaultfd;

/// <summary>
/// The open file behind a userfaultfd. Every descriptor that refers to it, in any process, and
/// every ioctl still running on it holds a reference; the context is released when the last
/// reference goes, so closing one descriptor releases nothing while a forked child still holds
/// its copy or a COPY is asleep on its source.
/// </summary>
/// Kernel: the anon-inode struct file of new_userfaultfd() and its f_count (get_file(), fput()),
/// with userfaultfd_release() as its release operation.
public sealed class UffdFile
{
    private int _references = 1;

    public UffdFile(UffdContext context) => Context = context;

    public UffdContext Context { get; }

    /// <summary>False once the last reference went and the context was released.</summary>
    public bool Open => _references > 0;

    /// <summary>Kernel: get_file().</summary>
    public void Get()
    {
        if (_references <= 0)
            throw new InvalidOperationException("BUG: get_file on a userfaultfd file already released");
        _references++;
    }

    /// <summary>Kernel: fput(); the last one runs userfaultfd_release().</summary>
    public void Put()
    {
        if (_references <= 0)
            throw new InvalidOperationException("BUG: fput of a userfaultfd file with no reference left");
        if (--_references == 0)
            UffdIoctls.Release(Context);
    }
}
