using System.Text;
using ApprovalTests;
using ApprovalTests.Reporters;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Conformance.Tests;

/// <summary>
/// The cross-architecture snapshot matrix: each corpus scenario on each plugin configuration with
/// every hook traced and the tables of each mapping dumped at the end, compared with its approved
/// text. A missing snapshot fails (run tests/approve-snapshots after reviewing the .received files).
/// </summary>
public class SnapshotTests
{

    [Theory]
    [MemberData(nameof(ScenarioCases.All), MemberType = typeof(ScenarioCases))]
    public void Matches_the_approved_snapshot(string scenario, string configuration)
    {
        var config = ScenarioCases.Configuration(configuration);
        var parsed = ScenarioParser.Parse(scenario + ".scenario", File.ReadAllText(ScenarioCases.ScenarioPath(scenario)));
        Assert.True(parsed.Script is not null, string.Join("\n", parsed.Errors));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.Run(ScenarioInstrumentation.TraceAndDump(parsed.Script),
            () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases, PluginMatrix.Checked), stdout, stderr);
        var snapshot = new StringBuilder();
        snapshot.Append(Header(config));
        snapshot.AppendLine($"exit {exit}");
        snapshot.Append(stdout);
        if (stderr.ToString().Length > 0)
            snapshot.AppendLine("stderr:").Append(stderr);
        Approvals.Verify(new ApprovalTextWriter(snapshot.ToString()), new SnapshotNamer(config.SnapshotDirectory, scenario, configuration), QuietReporter.INSTANCE);
    }

    private static string Header(ArchConfiguration config)
    {
        var arch = config.Architecture;
        var sb = new StringBuilder();
        sb.AppendLine($"architecture: {arch.Name}");
        sb.AppendLine($"configuration: {(arch.Configuration.Length == 0 ? "(none)" : arch.Configuration)}");
        sb.AppendLine($"geometry: {arch.Geometry}");
        sb.AppendLine($"huge pages: {string.Join(", ", arch.HugePageSizes)}");
        sb.AppendLine($"capabilities: {arch.Capabilities}");
        sb.AppendLine($"zero pages: {arch.ZeroPageCount}");
        sb.AppendLine($"kernel modelled: architecture code {config.Plugin.Plugin.ModelledKernel}, generic mm and userfaultfd Linux 6.18");
        sb.AppendLine();
        return sb.ToString();
    }
}
