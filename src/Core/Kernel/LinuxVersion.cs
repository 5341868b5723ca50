using System.Globalization;

namespace Pluggable.Core.Kernel;

/// <summary>
/// A Linux release the emulator models (<c>--kernel</c>): the releases users run and the project
/// checks against real kernels — Debian 12's 6.1, its 6.12 backport, and 6.18 on the project's
/// machine. Behaviours that differ between them are in <see cref="KernelBehaviour"/>.
/// </summary>
public readonly record struct LinuxVersion(int Major, int Minor) : IComparable<LinuxVersion>
{
    public static readonly LinuxVersion V6_1 = new(6, 1);
    public static readonly LinuxVersion V6_12 = new(6, 12);
    public static readonly LinuxVersion V6_18 = new(6, 18);

    /// <summary>What the emulator models without <c>--kernel</c>: the kernel of the project's machine.</summary>
    public static readonly LinuxVersion Default = V6_18;

    /// <summary>The releases <c>--kernel</c> accepts, oldest first.</summary>
    public static readonly IReadOnlyList<LinuxVersion> Modelled = [V6_1, V6_12, V6_18];

    public int CompareTo(LinuxVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(LinuxVersion a, LinuxVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(LinuxVersion a, LinuxVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(LinuxVersion a, LinuxVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(LinuxVersion a, LinuxVersion b) => a.CompareTo(b) >= 0;

    /// <summary>"6.12" (a trailing ".N" patch level or "-suffix", as uname -r prints, is ignored).</summary>
    public static bool TryParse(string text, out LinuxVersion version)
    {
        version = default;
        var parts = text.Split('-')[0].Split('.');
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
            return false;
        version = new LinuxVersion(major, minor);
        return true;
    }

    /// <summary>The modelled release <paramref name="text"/> names, or null (the message then lists them).</summary>
    public static LinuxVersion? ParseModelled(string text, out string? error)
    {
        error = null;
        if (TryParse(text, out var version) && Modelled.Contains(version) && text.Split('.').Length == 2)
            return version;
        error = $"expected one of {string.Join(", ", Modelled)}, got '{text}'";
        return null;
    }

    public override string ToString() => $"{Major}.{Minor}";
}
