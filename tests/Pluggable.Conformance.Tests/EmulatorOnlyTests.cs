using System.Globalization;
using System.Text.RegularExpressions;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Conformance.Tests;

/// <summary>
/// The scenarios of tests/emulator hold on every plugin configuration, each on the machine its
/// first line asks for (<c># pluggable run FILE --memory 64m</c>): what the emulator models that
/// the live kernel cannot be asked (the OOM killer of a small machine).
/// </summary>
public partial class EmulatorOnlyTests
{
    public static IEnumerable<object[]> All()
    {
        var files = Directory.GetFiles(RepositoryPaths.EmulatorOnly, "*.scenario").Order(StringComparer.Ordinal).ToArray();
        foreach (var config in PluginMatrix.Configurations)
        {
            foreach (var file in files)
                yield return [Path.GetFileNameWithoutExtension(file), config.Id];
        }
    }

    [Fact]
    public void There_are_emulator_only_scenarios() => Assert.NotEmpty(All());

    [Theory]
    [MemberData(nameof(All))]
    public void Expectations_hold(string scenario, string configuration)
    {
        var config = ScenarioCases.Configuration(configuration);
        string path = Path.Combine(RepositoryPaths.EmulatorOnly, scenario + ".scenario");
        var machine = PluginMatrix.Checked with { MemoryBytes = MemoryOf(File.ReadLines(path).First()) };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.RunFile(path, () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases, machine), stdout, stderr);
        Assert.True(exit == 0, $"exit {exit} on {configuration}\n{stderr}\n{stdout}");
        Assert.Equal("", stderr.ToString());
    }

    /// <summary>The <c>--memory</c> of the file's first line: a number of m or g.</summary>
    private static ulong MemoryOf(string header)
    {
        var m = MemoryOption().Match(header);
        Assert.True(m.Success, $"the first line must say how to run the file ('# pluggable run FILE --memory 64m'), not '{header}'");
        ulong number = ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return number << (m.Groups[2].Value == "g" ? 30 : 20);
    }

    [GeneratedRegex(@"^# pluggable run FILE --memory (\d+)([mg])$")]
    private static partial Regex MemoryOption();
}
