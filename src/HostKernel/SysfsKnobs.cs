using Pluggable.Core;
using Pluggable.Core.Mm;

namespace Pluggable.HostKernel;

/// <summary>
/// The machine-wide settings a scenario may change: the size of a hugetlb pool and the THP
/// policy. The first change of each remembers the old value, and <see cref="Restore"/> puts it back.
/// </summary>
/// Kernel: /sys/kernel/mm/hugepages/hugepages-NkB/nr_hugepages (mm/hugetlb_sysfs), /sys/kernel/mm/transparent_hugepage/enabled.
internal sealed class SysfsKnobs(string root = "/sys/kernel/mm")
{
    private readonly Dictionary<string, string> _original = new(StringComparer.Ordinal);

    public string HugepagesPath(ulong size) => Path.Combine(root, "hugepages", $"hugepages-{size / 1024}kB", "nr_hugepages");

    public string ThpPath => Path.Combine(root, "transparent_hugepage", "enabled");

    /// <summary>EINVAL when there is no pool of that size, ENOMEM when it did not grow to <paramref name="count"/>.</summary>
    public Errno Hugepages(ulong size, ulong count)
    {
        string path = HugepagesPath(size);
        if (size % 1024 != 0 || !File.Exists(path))
            return Errno.EINVAL;
        var error = Write(path, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (error != Errno.None)
            return error;
        return ulong.TryParse(File.ReadAllText(path).Trim(), out ulong now) && now >= count ? Errno.None : Errno.ENOMEM;
    }

    public Errno Thp(ThpPolicy policy) => Write(ThpPath, policy.ToString().ToLowerInvariant());

    /// <summary>The selected word of a sysfs choice file: "always [madvise] never" is "madvise".</summary>
    public static string Selected(string text)
    {
        int open = text.IndexOf('[');
        int close = text.IndexOf(']');
        return open >= 0 && close > open ? text[(open + 1)..close] : text.Trim();
    }

    public void Restore()
    {
        foreach (var (path, value) in _original)
            Write(path, value);
        _original.Clear();
    }

    private Errno Write(string path, string value)
    {
        try
        {
            if (!_original.ContainsKey(path))
                _original[path] = Selected(File.ReadAllText(path));
            File.WriteAllText(path, value);
            return Errno.None;
        }
        catch (UnauthorizedAccessException)
        {
            return Errno.EACCES;
        }
        catch (IOException e)
        {
            return e.HResult is var code && Enum.IsDefined((Errno)(code & 0xffff)) ? (Errno)(code & 0xffff) : Errno.EINVAL;
        }
    }
}
