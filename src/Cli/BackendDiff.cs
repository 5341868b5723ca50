using Pluggable.Core.Scenarios;
using Pluggable.HostKernel;

namespace Pluggable.Cli;

/// <summary>
/// <c>pluggable diff</c>: each file on the emulator and on the host kernel, the transcripts compared
/// line by line (TranscriptDiff), the differing lines printed side by side under the script line
/// they belong to. Exit 0 when every file agrees, 1 on any difference, 2 for usage or parse errors.
/// </summary>
internal static class BackendDiff
{
    /// <param name="options">The time limit, for both runs of a file.</param>
    public static int Run(string[] files, Func<IScenarioBackend> emulator, ScenarioRunOptions options, TextWriter stdout, TextWriter stderr)
    {
        Commands.CheckFiles(files);
        if (HostAvailability.WhyUnavailable() is { } reason)
        {
            stderr.WriteLine($"pluggable: the host backend is not available: {reason}");
            return 2;
        }

        int worst = 0;
        foreach (var file in files)
        {
            var parsed = ScenarioParser.Parse(file, File.ReadAllText(file));
            if (parsed.Script is null)
            {
                foreach (var error in parsed.Errors)
                    stderr.WriteLine(error.ToString());
                worst = 2;
                continue;
            }
            var result = ScenarioComparison.Compare(parsed.Script, emulator, () => new HostBackend(), TextWriter.Null, options, options);
            Write(file, result.Differences, stdout);
            if (result.Differences.Count > 0)
                worst = Math.Max(worst, 1);
        }
        return worst;
    }

    private static void Write(string file, IReadOnlyList<TranscriptDifference> differences, TextWriter stdout)
    {
        if (differences.Count == 0)
        {
            stdout.WriteLine($"{file}: emulator and host agree");
            return;
        }
        const string none = "(no line)";
        int width = Math.Max("emulator".Length, differences.Max(d => (d.Left ?? none).Length));
        stdout.WriteLine($"{file}: {differences.Count} line(s) differ");
        stdout.WriteLine($"  line  {"emulator".PadRight(width)}  | host");
        foreach (var d in differences)
        {
            string line = d.Line > 0 ? d.Line.ToString(System.Globalization.CultureInfo.InvariantCulture) : "end";
            stdout.WriteLine($"  {line,4}  {(d.Left ?? none).PadRight(width)}  | {d.Right ?? none}");
        }
    }
}
