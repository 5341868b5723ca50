using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing.Tests;

public class FindingFileTests
{
    private static readonly CaseSource Source = new("random valid sequence against the live kernel", 0x1234, "x86_64:levels=4", true);

    [Fact]
    public void A_divergence_names_the_differing_lines_as_the_file_numbers_them()
    {
        string scenario = "mmap b anon 2hp\nmprotect b 1p none\nmremap b e\n";
        var finding = new Finding(new Verdict(FindingKind.Divergence, "line 3: ...", "divergence: mremap | EFAULT | ok", 3), scenario, Source, 37,
            new ShrinkResult(scenario, 49, true), [new TranscriptDifference(3, "mremap b e -> EFAULT", "mremap b e -> ok")]);

        var lines = FindingFile.Text(finding, "divergence-001.scenario").Split('\n');

        Assert.Equal("# pluggable fuzz: divergence", lines[0]);
        Assert.Contains("# run it: pluggable diff divergence-001.scenario --arch x86_64:levels=4", lines);
        Assert.Contains(lines, l => l.Contains("seed 0x0000000000001234") && l.Contains("minimized from 37 to 3 lines in 49 runs"));
        string pointer = lines.Single(l => l.Contains("mremap b e -> EFAULT"));
        int number = int.Parse(pointer.Split("line ")[1].Split(':')[0]);
        Assert.Equal("mremap b e", lines[number - 1]);
        Assert.NotNull(ScenarioParser.Parse("finding", string.Join('\n', lines)).Script);
    }

    [Fact]
    public void Findings_get_the_next_free_number_and_say_how_to_run_them()
    {
        var dir = Directory.CreateTempSubdirectory("pluggable-findings-").FullName;
        try
        {
            var finding = new Finding(Verdict.Of(FindingKind.Hang, "end -> timeout (at line 1: pagemap a 4096g)", "pagemap end -> timeout"),
                "mmap a anon 1p\npagemap a 4096g\n", Source with { AgainstHost = false }, 30, null, []);
            string first = FindingFile.Write(dir, finding);
            string second = FindingFile.Write(dir, finding);
            Assert.Equal("hang-001.scenario", Path.GetFileName(first));
            Assert.Equal("hang-002.scenario", Path.GetFileName(second));
            string text = File.ReadAllText(first);
            Assert.Contains("# run it: pluggable run hang-001.scenario --arch x86_64:levels=4\n", text);
            Assert.EndsWith("mmap a anon 1p\npagemap a 4096g\n", text);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
