namespace Pluggable.HostKernel.Vm;

/// <summary>One real kernel the VM backend boots: a section of kernels.conf.</summary>
/// <param name="Name">What <c>--backend vm:NAME</c> calls it.</param>
/// <param name="DebianArch">The Debian architecture of its package and of the guest agent.</param>
/// <param name="Package">Debian's kernel meta package, or null when <see cref="BuildScript"/> builds it.</param>
/// <param name="BuildScript">A script beside kernels.conf that builds the kernel from source.</param>
/// <param name="KernelVersion">The Linux version the emulator models it with.</param>
/// <param name="Emulator">The emulator's <c>--arch</c> for the same machine.</param>
/// <param name="CrossTriplet">The cross compiler's GNU triplet.</param>
/// <param name="Qemu">The QEMU command and machine options.</param>
/// <param name="Console">The serial console device the agent talks on.</param>
/// <param name="Append">Extra kernel command line words.</param>
/// <param name="HugetlbRegion">The size of the address-space regions that hold one page size each (0: none).</param>
/// <param name="MemoryBytes">The guest's RAM.</param>
public sealed record VmSpec(string Name, string DebianArch, string? Package, string? BuildScript, string KernelVersion, string Emulator,
    string CrossTriplet, IReadOnlyList<string> Qemu, string Console, string Append, ulong HugetlbRegion = 0, ulong MemoryBytes = 2UL << 30)
{
    /// <summary>The emulator's architecture name (before any <c>:options</c>).</summary>
    public string EmulatorArch => Emulator.Split(':')[0];

    /// <summary>The configuration part of <see cref="Emulator"/>.</summary>
    public string EmulatorConfiguration => Emulator.Contains(':') ? Emulator[(Emulator.IndexOf(':') + 1)..] : "";
}

/// <summary>
/// The kernels the VM backend knows, read from kernels.conf beside the assembly: adding a
/// kernel is adding a section there, not code.
/// </summary>
public static class VmCatalog
{
    public const string FileName = "kernels.conf";

    private static readonly string[] Required = ["arch", "package", "kernel", "emulator", "cross", "qemu", "console"];
    private static readonly string[] Known = [.. Required, "append", "slices", "memory"];

    /// <summary>The directory holding kernels.conf, the scripts and the agent's sources.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "vm");

    /// <exception cref="VmException">kernels.conf is missing or malformed (the message names the line).</exception>
    public static IReadOnlyList<VmSpec> All() => Parse(Path.Combine(Directory, FileName));

    /// <exception cref="VmException">No such kernel (the message lists the known ones), or kernels.conf is malformed.</exception>
    public static VmSpec Find(string name)
    {
        var all = All();
        return all.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new VmException($"no VM kernel named '{name}'; known: {string.Join(", ", all.Select(s => s.Name))} ({Path.Combine(Directory, FileName)})");
    }

    internal static IReadOnlyList<VmSpec> Parse(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VmException($"cannot read {path}: {e.Message}");
        }
        var specs = new List<VmSpec>();
        string? section = null;
        int sectionLine = 0;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i <= lines.Length; i++)
        {
            string line = i < lines.Length ? lines[i].Trim() : "[";
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (line.StartsWith('['))
            {
                if (section is not null)
                    specs.Add(Build(path, section, sectionLine, values));
                if (i == lines.Length)
                    break;
                if (!line.EndsWith(']') || line.Length < 3)
                    throw new VmException($"{path}:{i + 1}: expected a section header '[name]', found '{line}'");
                section = line[1..^1].Trim();
                sectionLine = i + 1;
                values.Clear();
                continue;
            }
            int eq = line.IndexOf('=');
            if (section is null || eq <= 0)
                throw new VmException($"{path}:{i + 1}: expected 'key = value' inside a [name] section, found '{line}'");
            string key = line[..eq].Trim();
            if (!Known.Contains(key))
                throw new VmException($"{path}:{i + 1}: unknown key '{key}'; expected one of {string.Join(", ", Known)}");
            values[key] = line[(eq + 1)..].Trim();
        }
        return specs;
    }

    private static VmSpec Build(string path, string name, int line, Dictionary<string, string> values)
    {
        foreach (var key in Required)
        {
            if (!values.TryGetValue(key, out var value) || value.Length == 0)
                throw new VmException($"{path}:{line}: [{name}] has no '{key}'");
        }
        string package = values["package"];
        string? build = package.StartsWith("build:", StringComparison.Ordinal) ? package["build:".Length..].Trim() : null;
        ulong region = 0;
        if (values.TryGetValue("slices", out var slices) && !TryParseSize(slices, out region))
            throw new VmException($"{path}:{line}: [{name}] slices = '{slices}': expected a size such as 1t or 256m");
        ulong memory = 2UL << 30;
        if (values.TryGetValue("memory", out var ram) && !TryParseSize(ram, out memory))
            throw new VmException($"{path}:{line}: [{name}] memory = '{ram}': expected a size such as 2g or 4096m");
        return new VmSpec(name, values["arch"], build is null ? package : null, build, values["kernel"], values["emulator"], values["cross"],
            values["qemu"].Split(' ', StringSplitOptions.RemoveEmptyEntries), values["console"], values.GetValueOrDefault("append", ""), region, memory);
    }

    private static bool TryParseSize(string text, out ulong bytes)
    {
        bytes = 0;
        if (text.Length < 2 || !ulong.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong n))
            return false;
        int shift = char.ToLowerInvariant(text[^1]) switch { 'm' => 20, 'g' => 30, 't' => 40, _ => -1 };
        if (shift < 0)
            return false;
        bytes = n << shift;
        return true;
    }
}

/// <summary>The VM backend cannot do what was asked; the message says what is missing or broken and where.</summary>
public sealed class VmException(string message) : Exception(message);
