using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;
using Pluggable.Hosting;

namespace Pluggable.HostKernel.Tests;

/// <summary>
/// The conformance corpus on this machine's kernel: every expectation holds (they were taken from
/// it), and the emulator (x86_64, with this machine's MemTotal) prints the same transcript. These need Linux x86_64, root and
/// userfaultfd, as CI has; anywhere else they fail and say why rather than pass unseen. They change
/// machine-wide settings (huge page pools, THP), so they run one at a time (and each run holds the
/// machine lock, which keeps other processes of the project out meanwhile); a setting changed from
/// outside fails the file and is named in its diagnostics.
/// </summary>
[Collection(HostKernelCollection.Name)]
public class HostCorpusTests
{
    private static readonly ScenarioRunOptions HostOptions = new() { TimeLimit = TimeSpan.FromSeconds(20) };

    public static IEnumerable<object[]> Corpus() =>
        Directory.GetFiles(Path.Combine(RepositoryRoot(), "tests", "conformance"), "*.scenario")
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });

    [Fact]
    public void The_machine_can_run_the_host_backend() => RequireHost();

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Expectations_hold_on_the_host_kernel(string scenario)
    {
        RequireHost();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // Waiting for the machine lock (another test project's run holds it) is no failure, but worth seeing in one.
        var notices = new StringWriter();
        int exit = ScenarioRunner.RunFile(PathOf(scenario), () => new HostBackend(new HostBackendOptions { Notices = notices }), stdout, stderr, HostOptions);
        Assert.True(exit == 0 && stderr.ToString() == "", $"exit {exit}\n{stderr}\n{notices}\n{stdout}");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void The_emulator_and_the_host_print_the_same_transcript(string scenario)
    {
        RequireHost();
        var script = ScenarioParser.Parse(scenario, File.ReadAllText(PathOf(scenario))).Script!;
        var x86 = X86_64.Value;
        var diagnostics = new StringWriter();
        var machine = new EmulatorOptions { MemoryBytes = HostMemory.TotalBytes() ?? EmulatorOptions.DefaultMemoryBytes, DebugVm = true };
        var result = ScenarioComparison.Compare(script, () => new EmulatorBackend(x86.Architecture, x86.Plugin.Plugin.Aliases, machine),
            () => new HostBackend(new HostBackendOptions { Notices = diagnostics }), diagnostics, HostOptions, HostOptions);
        Assert.True(result.Differences.Count == 0,
            string.Join("\n", result.Differences.Select(d => $"line {d.Line}: emulator '{d.Left}' host '{d.Right}'"))
            + $"\n--- emulator\n{result.LeftTranscript}--- host\n{result.RightTranscript}--- diagnostics (expectation failures are not differences)\n{diagnostics}");
    }

    private static readonly Lazy<SelectedArchitecture> X86_64 = new(() =>
        PluginCatalog.Discover(new McMasterPluginLoader(), []).Select(ArchSpec.Parse(ArchSpec.DefaultName)));

    private static void RequireHost()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and these tests need it (CI runs them as root on Linux x86_64 with userfaultfd): {reason}");
    }

    private static string PathOf(string scenario) => Path.Combine(RepositoryRoot(), "tests", "conformance", scenario + ".scenario");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pluggable.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Pluggable.sln above {AppContext.BaseDirectory}: the tests must run from a checkout");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostKernelCollection
{
    public const string Name = "host kernel";
}
