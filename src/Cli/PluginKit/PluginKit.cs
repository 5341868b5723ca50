using System.Text;
using System.Text.RegularExpressions;

namespace Pluggable.Cli.PluginKit;

/// <summary>
/// <c>pluggable new-plugin NAME</c>: a plugin project that builds on its own, anywhere: the RISC-V
/// sample's sources (samples/RiscV) with its names replaced, a project file that references this
/// installation's Pluggable.Core.dll without copying it, and a README with the next steps. A
/// working plugin to change, rather than an empty one to fill: it loads, passes the conformance
/// suite and runs the corpus from the first build.
/// </summary>
internal static partial class PluginKit
{
    private const string SampleName = "riscv64";
    private const string SamplePrefix = "RiscV";
    private const string ResourcePrefix = "PluginKit/";

    /// <summary>How to run this installation's <c>pluggable</c>: its own path (it need not be on PATH).</summary>
    public static string Command => Path.Combine(AppContext.BaseDirectory, "pluggable");

    [GeneratedRegex("^[a-z][a-z0-9_]{0,31}$")]
    private static partial Regex NamePattern();

    /// <summary>Writes the project into <paramref name="folder"/>, which must not exist or be empty; returns the files written.</summary>
    /// <exception cref="KitException">A name that cannot be an architecture name, or a folder already in use.</exception>
    public static IReadOnlyList<string> Create(string name, string folder)
    {
        if (!NamePattern().IsMatch(name))
            throw new KitException($"'{name}' cannot name an architecture: use lower-case letters, digits and '_', starting with a letter (as the kernel's arch/ folders: riscv64, loongarch64, s390x)");
        folder = Path.GetFullPath(folder);
        if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
            throw new KitException($"{folder} already exists and is not an empty folder; choose a new one");
        string pascal = PascalCase(name);
        string core = Path.Combine(AppContext.BaseDirectory, "Pluggable.Core.dll");
        var files = new List<(string Path, string Text)>
        {
            ($"Pluggable.Arch.{pascal}.csproj", ProjectFile(core)),
            ("Directory.Build.props", "<!-- Keeps MSBuild from importing the props of a folder above: this project sets everything itself. -->\n<Project />\n"),
            ("Directory.Packages.props", "<!-- Keeps MSBuild from importing central package versions from a folder above. -->\n<Project />\n"),
            ("README.md", Resource("README.template.md").Replace("__NAME__", name).Replace("__PASCAL__", pascal).Replace("__CORE__", core).Replace("__PLUGGABLE__", Command)),
        };
        var assembly = typeof(PluginKit).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal) && r.EndsWith(".cs", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string file = resource[ResourcePrefix.Length..].Replace(SamplePrefix, pascal, StringComparison.Ordinal);
            files.Add((file, Rename(Resource(resource[ResourcePrefix.Length..]), name, pascal)));
        }
        if (files.Count(f => f.Path.EndsWith(".cs", StringComparison.Ordinal)) == 0)
            throw new InvalidOperationException("the plugin kit's sources are missing from this build");
        try
        {
            Directory.CreateDirectory(folder);
            foreach (var (path, text) in files)
                File.WriteAllText(Path.Combine(folder, path), text, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KitException($"cannot write the project into {folder}: {e.Message}");
        }
        return [.. files.Select(f => Path.Combine(folder, f.Path))];
    }

    /// <summary>The sample's identifiers become the new plugin's: namespace, type prefixes, the name and its alias.</summary>
    private static string Rename(string source, string name, string pascal) => source
        .Replace($"Pluggable.Arch.{SamplePrefix}", $"Pluggable.Arch.{pascal}", StringComparison.Ordinal)
        .Replace(SamplePrefix, pascal, StringComparison.Ordinal)
        .Replace($"Aliases {{ get; }} = [\"riscv\"];", "Aliases { get; } = [];", StringComparison.Ordinal)
        .Replace(SampleName, name, StringComparison.Ordinal);

    private static string ProjectFile(string core) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <EnableDynamicLoading>true</EnableDynamicLoading>
            <!-- The host's contract assembly, referenced but not copied: the plugin must use the host's types.
                 tests/check-plugin builds against its checkout's copy with -p:PluggableCore=... -->
            <PluggableCore Condition="'$(PluggableCore)' == ''">{core}</PluggableCore>
          </PropertyGroup>
          <ItemGroup>
            <Reference Include="Pluggable.Core" HintPath="$(PluggableCore)" Private="false" />
          </ItemGroup>
        </Project>

        """;

    private static string PascalCase(string name) =>
        string.Concat(name.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static string Resource(string name)
    {
        using var stream = typeof(PluginKit).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"the plugin kit is missing from this build (resource {ResourcePrefix + name})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>What the user asked of the kit cannot be done; the message says why.</summary>
internal sealed class KitException(string message) : Exception(message);
