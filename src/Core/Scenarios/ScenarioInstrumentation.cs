using System.Text;
using System.Text.RegularExpressions;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Rewrites a scenario so that its run shows the architecture at work: tracing from the first
/// command, and a dump of every mapping the first process made (its declared size, or one base
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
        var sb = new StringBuilder();
        bool traced = false;
        foreach (var raw in lines)
        {
            string code = raw.Split('#')[0].Trim();
            if (!traced && code.Length > 0 && !code.StartsWith("arch ", StringComparison.Ordinal))
            {
                sb.AppendLine("trace on");
                traced = true;
            }
            sb.AppendLine(raw.TrimEnd('\r'));
        }
        sb.AppendLine("trace off");
        foreach (var d in dumps.Distinct())
            sb.AppendLine(d);
        return sb.ToString();
    }

    [GeneratedRegex(@"^\s*mmap\s+(?<label>[A-Za-z_][A-Za-z0-9_]*)\s+(?:anon\s+(?<size>\S+)|file=\S+(?:\s+(?<size>[0-9][0-9a-fA-Fxkmgph+]*))?)")]
    private static partial Regex MmapLine();
}
