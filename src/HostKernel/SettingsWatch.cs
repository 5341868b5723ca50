using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pluggable.HostKernel;

/// <summary>
/// The machine-wide settings that only a write changes — each hugetlb pool's persistent size
/// (nr_hugepages less surplus pages) and overcommit limit, the THP policies — watched after every
/// command through descriptors kept open (a sysfs file read again from offset 0 is shown afresh),
/// so that a change made from outside is named at the command where it is first seen.
/// </summary>
/// <remarks>
/// A pool's size is compared only while no call of the run is parked: a hugetlb COPY that sleeps
/// on its source's userfault holds a temporary huge page, which the kernel counts in nr_hugepages
/// and not in surplus_hugepages (alloc_migrate_hugetlb_folio()). A size taken while calls are
/// parked is not known, and is learnt at the next look without them.
/// </remarks>
internal sealed class SettingsWatch : IDisposable
{
    private readonly List<Setting> _settings = [];
    private readonly string?[] _expected;

    public SettingsWatch(string root)
    {
        string hugepages = Path.Combine(root, "hugepages");
        if (Directory.Exists(hugepages))
        {
            foreach (var dir in Directory.GetDirectories(hugepages).Order(StringComparer.Ordinal))
            {
                string pool = Path.GetFileName(dir);
                _settings.Add(new Setting($"{pool}/nr_hugepages", Open(dir, "nr_hugepages"), Open(dir, "surplus_hugepages"), PoolSize: true));
                _settings.Add(new Setting($"{pool}/nr_overcommit_hugepages", Open(dir, "nr_overcommit_hugepages"), null, PoolSize: false));
            }
        }
        foreach (var name in new[] { "enabled", "shmem_enabled" })
        {
            string path = Path.Combine(root, "transparent_hugepage", name);
            if (File.Exists(path))
                _settings.Add(new Setting($"transparent_hugepage/{name}", File.OpenHandle(path), null, PoolSize: false));
        }
        _expected = new string?[_settings.Count];
        Expect(poolsSettled: true);
    }

    /// <summary>Takes the settings as they are now as the expected ones (after a change of our own).</summary>
    /// <param name="poolsSettled">No call of the run is parked, so the pool sizes hold no temporary page of its own.</param>
    public void Expect(bool poolsSettled)
    {
        for (int i = 0; i < _settings.Count; i++)
            _expected[i] = _settings[i].PoolSize && !poolsSettled ? null : _settings[i].Read();
    }

    /// <summary>The settings that differ from what was expected, as "name expected -> now".</summary>
    /// <param name="poolsSettled">No call of the run is parked: the pool sizes are compared too.</param>
    public IReadOnlyList<string> Changes(bool poolsSettled)
    {
        List<string>? changes = null;
        for (int i = 0; i < _settings.Count; i++)
        {
            if (_settings[i].PoolSize && !poolsSettled)
                continue;
            string now = _settings[i].Read();
            if (_expected[i] is null)
                _expected[i] = now;
            else if (now != _expected[i])
                (changes ??= []).Add($"{_settings[i].Name} {_expected[i]} -> {now}");
        }
        return changes ?? (IReadOnlyList<string>)[];
    }

    public void Dispose()
    {
        foreach (var setting in _settings)
        {
            setting.File.Dispose();
            setting.Less?.Dispose();
        }
    }

    private static SafeFileHandle Open(string dir, string file) => File.OpenHandle(Path.Combine(dir, file));

    /// <summary>One watched value: a choice file's selected word, or a number less another (the surplus).</summary>
    private sealed record Setting(string Name, SafeFileHandle File, SafeFileHandle? Less, bool PoolSize)
    {
        public string Read()
        {
            string text = Text(File);
            if (Less is null)
                return SysfsKnobs.Selected(text);
            return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n)
                && long.TryParse(Text(Less).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long less)
                ? (n - less).ToString(CultureInfo.InvariantCulture)
                : text.Trim();
        }

        private static string Text(SafeFileHandle file)
        {
            Span<byte> buffer = stackalloc byte[256];
            int n = RandomAccess.Read(file, buffer, 0);
            return Encoding.ASCII.GetString(buffer[..Math.Max(n, 0)]);
        }
    }
}
