using System.Globalization;

namespace Pluggable.HostKernel;

/// <summary>
/// This machine's RAM as its kernel reports it, so that an emulator compared with the host can be
/// given the same memory and do the same overcommit arithmetic.
/// </summary>
/// Kernel: MemTotal in /proc/meminfo (totalram_pages()).
public static class HostMemory
{
    /// <summary>MemTotal in bytes, or null where /proc/meminfo does not say.</summary>
    public static ulong? TotalBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong kb))
                    return kb * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return null;
    }
}
