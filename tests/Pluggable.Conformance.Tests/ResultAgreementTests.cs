using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Conformance.Tests;

/// <summary>
/// Where a corpus file states no expectation (the emulator-only lines: gup, unpin, dump), every
/// configuration that runs the file must print the same result. Lines with an expectation are held
/// to it on every configuration by <see cref="CorpusTests"/>, and may differ only where the file
/// declares it (<c>|| ARCH: RESULT</c>) or by the units that follow the architecture (<c>=> 1p</c>).
/// Trace and dump detail (<c>  |</c> lines) is what the snapshots are for.
/// </summary>
public class ResultAgreementTests
{
    public static IEnumerable<object[]> Files() =>
        Directory.GetFiles(RepositoryPaths.Corpus, "*.scenario").Order(StringComparer.Ordinal)
            .Where(f => Unchecked(Parse(f)).Any())
            .Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });

    [Fact]
    public void Some_corpus_files_have_lines_without_an_expectation() => Assert.NotEmpty(Files());

    [Theory]
    [MemberData(nameof(Files))]
    public void Lines_without_an_expectation_print_the_same_result_on_every_configuration(string scenario)
    {
        var script = Parse(ScenarioCases.ScenarioPath(scenario));
        var lines = Unchecked(script).ToList();
        var results = new Dictionary<string, string[]>();
        foreach (var config in PluginMatrix.Configurations)
        {
            var stdout = new StringWriter();
            ScenarioRunner.Run(script, () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases), stdout, TextWriter.Null);
            var top = stdout.ToString().Split('\n').Where(l => l.Length > 0 && !l.StartsWith("  ", StringComparison.Ordinal)).ToArray();
            if (top[^1] != "end -> skipped")
                results[config.Id] = top;
        }
        // A file every configuration of this matrix skips (an out-of-tree plugin without uffd-wp,
        // checked alone) has nothing to agree on here; the in-tree matrix runs every file somewhere.
        foreach (int index in lines)
        {
            var answers = results.GroupBy(r => index < r.Value.Length ? r.Value[index] : "(not reached)").ToList();
            Assert.True(answers.Count <= 1, $"line '{script.Statements[index].Echo}' differs across configurations:\n" +
                string.Join("\n", answers.Select(a => $"  {a.Key}  on {string.Join(", ", a.Select(r => r.Key))}")));
        }
    }

    private static Script Parse(string path) =>
        ScenarioParser.Parse(Path.GetFileName(path), File.ReadAllText(path)).Script
        ?? throw new InvalidOperationException($"{path} does not parse");

    /// <summary>The statements that print a result nothing checks (arch and needs lines only select the run).</summary>
    private static IEnumerable<int> Unchecked(Script script) =>
        Enumerable.Range(0, script.Statements.Count)
            .Where(i => script.Statements[i].Expectation is null && script.Statements[i].Command is not (ArchCommand or NeedsCommand));
}
