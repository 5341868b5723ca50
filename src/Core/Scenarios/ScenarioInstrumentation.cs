using System.Text;
using System.Text.RegularExpressions;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Rewrites a scenario so that its run shows the architecture at work: tracing from the first
/// command (the script's lines keep their numbers when a comment or blank line precedes it), and a dump of every mapping the first process made (its declared size, or one base
/// page when the size comes from the file) once the script is done. Expectations are kept.
/// </summary>
public static partial class ScenarioInstrumentation
{
    public static string TraceAndDump(string text)
    {
        var lines = text.Split('\n');
        var dumps = new List<string>();
        foreach (var raw in lines)
        {
            var m = MmapLine().Match(raw);
            if (m.Success)
                dumps.Add($"dump {m.Groups["label"].Value} {(m.Groups["size"].Success ? m.Groups["size"].Value : "1p")}");
        }
        // "trace on" takes the place of a comment or blank line above the first command when
        // there is one, so that every line of the script keeps its number in messages.
        int first = Array.FindIndex(lines, l => l.Split('#')[0].Trim().Length > 0);
        int slot = first > 0 ? first - 1 : -1;
        var sb = new StringBuilder();
        if (slot < 0)
            sb.AppendLine("trace on");
        for (int i = 0; i < lines.Length; i++)
            sb.AppendLine(i == slot ? "trace on" : lines[i].TrimEnd('\r'));
        sb.AppendLine("trace off");
        foreach (var d in dumps.Distinct())
            sb.AppendLine(d);
        return sb.ToString();
    }

    [GeneratedRegex(@"^\s*mmap\s+(?<label>[A-Za-z_][A-Za-z0-9_]*)\s+(?:anon\s+(?<size>\S+)|file=\S+(?:\s+(?<size>[0-9][0-9a-fA-Fxkmgph+]*))?)")]
    private static partial Regex MmapLine();
}
