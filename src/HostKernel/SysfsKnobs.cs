using System.Text.RegularExpressions;
using Pluggable.Core;
using Pluggable.Core.Mm;

namespace Pluggable.HostKernel;

/// <summary>
/// The machine-wide settings a scenario may change: the size of a hugetlb pool and the THP
/// policy. Before the first change of each, its old value is saved — in memory and, through
/// <paramref name="record"/>, in the machine lock's record, so that it is put back even if this
/// process dies first — and <see cref="Restore"/> puts them back.
/// </summary>
/// Kernel: /sys/kernel/mm/hugepages/hugepages-NkB/nr_hugepages (mm/hugetlb_sysfs), /sys/kernel/mm/transparent_hugepage/enabled.
/// <param name="files">The files of the kernel the settings belong to: this machine's unless a VM's.</param>
internal sealed partial class SysfsKnobs(string root = "/sys/kernel/mm", Action<IEnumerable<(string Path, string Value)>>? record = null, IKernelFiles? files = null)
{
    private readonly IKernelFiles _files = files ?? LocalFiles.Instance;
    private readonly List<(string Path, string Value)> _original = [];

    public string HugepagesPath(ulong size) => Path.Combine(root, "hugepages", $"hugepages-{size / 1024}kB", "nr_hugepages");

    public string ThpPath => Path.Combine(root, "transparent_hugepage", "enabled");

    /// <summary>The saved values, in the order they were first changed.</summary>
    public IReadOnlyList<(string Path, string Value)> Originals => _original;

    /// <summary>EINVAL when there is no pool of that size, ENOMEM when it did not grow to <paramref name="count"/>.</summary>
    public Errno Hugepages(ulong size, ulong count)
    {
        string path = HugepagesPath(size);
        if (size % 1024 != 0 || _files.Read(path) is null)
            return Errno.EINVAL;
        var error = Write(path, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (error != Errno.None)
            return error;
        return ulong.TryParse(_files.Read(path)?.Trim(), out ulong now) && now >= count ? Errno.None : Errno.ENOMEM;
    }

    public Errno Thp(ThpPolicy policy) => Write(ThpPath, policy.ToString().ToLowerInvariant());

    /// <summary>The selected word of a sysfs choice file: "always [madvise] never" is "madvise".</summary>
    public static string Selected(string text)
    {
        int open = text.IndexOf('[');
        int close = text.IndexOf(']');
        return open >= 0 && close > open ? text[(open + 1)..close] : text.Trim();
    }

    /// <summary>Puts every changed setting back; the ones that could not be, as "path: reason".</summary>
    public IReadOnlyList<string> Restore()
    {
        var failures = RestoreAll(_original);
        _original.Clear();
        return failures;
    }

    /// <summary>
    /// Puts back settings another process saved and did not restore. Only the settings this class
    /// changes, under its root, with a plain word or number, are taken from such a record.
    /// </summary>
    public IReadOnlyList<string> RestoreLeftovers(IEnumerable<(string Path, string Value)> leftovers)
    {
        var accepted = new List<(string, string)>();
        var refused = new List<string>();
        foreach (var (path, value) in leftovers)
        {
            if (IsKnob(path) && PlainValue().IsMatch(value))
                accepted.Add((path, value));
            else
                refused.Add($"{path}: not a setting the host backend changes, left alone");
        }
        return [.. RestoreAll(accepted), .. refused];
    }

    private bool IsKnob(string path) =>
        path == ThpPath || (Path.GetDirectoryName(Path.GetDirectoryName(path)) == Path.Combine(root, "hugepages")
            && HugepagesDirectory().IsMatch(Path.GetFileName(Path.GetDirectoryName(path)) ?? "")
            && Path.GetFileName(path) == "nr_hugepages");

    [GeneratedRegex("^[a-z0-9_]{1,32}$")]
    private static partial Regex PlainValue();

    [GeneratedRegex("^hugepages-[0-9]+kB$")]
    private static partial Regex HugepagesDirectory();

    private List<string> RestoreAll(IEnumerable<(string Path, string Value)> settings)
    {
        var failures = new List<string>();
        foreach (var (path, value) in settings)
        {
            if (_files.Write(path, value) is var error and not Errno.None)
                failures.Add($"{path}: cannot write {value}: {error}");
        }
        return failures;
    }

    private Errno Write(string path, string value)
    {
        if (!_original.Exists(o => o.Path == path))
        {
            if (_files.Read(path) is not { } old)
                return Errno.ENOENT;
            _original.Add((path, Selected(old)));
            record?.Invoke(_original);
        }
        return _files.Write(path, value);
    }
}
