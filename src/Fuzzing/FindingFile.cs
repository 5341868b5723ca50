using System.Globalization;
using System.Text;

namespace Pluggable.Fuzzing;

/// <summary>
/// Keeps a finding as a scenario file a person can run: a comment header saying what was found,
/// where it came from and the command that shows it again, then the minimized scenario.
/// </summary>
public static class FindingFile
{
    /// <summary>Writes <c>KIND-NNN.scenario</c> (the first free number) into <paramref name="directory"/>; returns its path.</summary>
    public static string Write(string directory, Finding finding)
    {
        Directory.CreateDirectory(directory);
        string slug = finding.Verdict.Kind.Slug();
        for (int n = 1; ; n++)
        {
            string path = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{slug}-{n:000}.scenario"));
            try
            {
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                using var writer = new StreamWriter(stream, new UTF8Encoding(false));
                writer.Write(Text(finding, Path.GetFileName(path)));
                return path;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Taken by an earlier finding or another fuzz run writing to the same folder.
            }
        }
    }

    /// <summary>The file's text: the header, then the scenario.</summary>
    public static string Text(Finding finding, string fileName)
    {
        bool divergence = finding.Differences.Count > 0;
        var header = new List<string>
        {
            $"pluggable fuzz: {finding.Verdict.Kind.Describe()}",
            divergence ? "the emulator and the live kernel answer differently (emulator first, then host):" : finding.Verdict.Summary,
        };
        var tail = new List<string>
        {
            $"found: {finding.Source.Made}, seed {finding.Source.SeedText}, --arch {finding.Source.Arch}"
                + (finding.Shrink is { } s ? $"; minimized from {finding.OriginalLines} to {Lines(finding.Scenario)} lines in {s.Runs} runs{(s.Complete ? "" : " (budget spent)")}" : ""),
            finding.Verdict.Kind == FindingKind.Divergence
                ? $"run it: pluggable diff {fileName} --arch {finding.Source.Arch}"
                : $"run it: pluggable run {fileName} --arch {finding.Source.Arch}",
        };
        // Line numbers as the file has them: the scenario starts after the header.
        int offset = header.Count + 2 * finding.Differences.Count + tail.Count;
        foreach (var d in finding.Differences)
        {
            string line = d.Line > 0 ? (d.Line + offset).ToString(CultureInfo.InvariantCulture) : "end";
            header.Add($"  line {line}: {d.Left ?? "(no line)"}");
            header.Add($"  {new string(' ', line.Length + 5)}  {d.Right ?? "(no line)"}");
        }
        header.AddRange(tail);
        var text = new StringBuilder();
        foreach (var line in header)
            text.Append("# ").Append(OneLine(line)).Append('\n');
        text.Append(finding.Scenario);
        return text.ToString();
    }

    private static int Lines(string text) => text.Split('\n').Count(l => l.Trim().Length > 0);

    /// <summary>A header line must stay one comment line, whatever the message held.</summary>
    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
