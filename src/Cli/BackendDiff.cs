using System.Globalization;
using Pluggable.Core.Scenarios;
using Pluggable.HostKernel;
using Pluggable.HostKernel.Vm;

namespace Pluggable.Cli;

/// <summary>
/// <c>pluggable diff</c>: each file on the emulator and on the host kernel, the transcripts compared
/// line by line (TranscriptDiff), the differing lines printed side by side under the script line
/// they belong to, then what a side that failed said. A file one side does not run (its
/// <c>arch</c> line) is skipped on both. Exit 0 when every file agrees (or is skipped), 1 on any
/// difference, 2 for usage, read or parse errors and for a script error both sides agree on.
/// Several files end with a summary line.
/// </summary>
internal static class BackendDiff
{
    private const string EmulatorSide = "emulator";

    /// <param name="vm">The booted kernel to compare with, or null for this machine's.</param>
    /// <param name="options">The time limit, for both runs of a file.</param>
    public static int Run(string[] files, Emulator emulator, VmSession? vm, ScenarioRunOptions options, TextWriter stdout, TextWriter stderr)
    {
        using (emulator)
        {
            Commands.CheckFiles(files);
            if (vm is null && HostAvailability.WhyUnavailable() is { } reason)
            {
                stderr.WriteLine($"pluggable: the host backend is not available: {reason}");
                return 2;
            }
            Func<IScenarioBackend> kernel = vm is null ? () => new HostBackend() : () => vm.NewBackend(stderr);
            string side = vm?.Name ?? "host";

            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            int worst = 0;
            foreach (var file in files)
            {
                var (status, word) = CompareFile(file, emulator.Backend, emulator.Selected.Architecture.Name, kernel, side, options, stdout, stderr);
                worst = Math.Max(worst, status);
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
            if (files.Length > 1)
                stdout.WriteLine($"pluggable: {files.Length} files: {string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}"))}");
            return worst;
        }
    }

    /// <summary>Compares one file; its exit status and the word the summary counts it under.</summary>
    internal static (int Status, string Word) CompareFile(string file, Func<IScenarioBackend> emulator, string emulatorArch, Func<IScenarioBackend> host,
        string hostSide, ScenarioRunOptions options, TextWriter stdout, TextWriter stderr)
    {
        if (ScenarioRunner.Load(file, stderr, out _) is not { } script)
            return (2, "error");

        var result = ScenarioComparison.Compare(script, emulator, host, TextWriter.Null, options, options);
        if (result.SkipReason is { } skipped)
        {
            string side = result.LeftOutcome.Status == ScenarioStatus.Skipped ? $"the {EmulatorSide} ({emulatorArch})" : $"the {hostSide}";
            stdout.WriteLine($"{file}: skipped on both sides: {side} does not run it ({skipped})");
            return (0, "skipped");
        }

        WriteDifferences(file, result.Differences, hostSide, stdout);
        WriteErrors(EmulatorSide, result.LeftErrors, stdout);
        WriteErrors(hostSide, result.RightErrors, stdout);
        if (result.Differences.Count > 0)
            return (1, "differ");
        if (result.LeftOutcome.Status == ScenarioStatus.Error)
            return (2, "error");
        return (0, "agree");
    }

    private static void WriteDifferences(string file, IReadOnlyList<TranscriptDifference> differences, string hostSide, TextWriter stdout)
    {
        if (differences.Count == 0)
        {
            stdout.WriteLine($"{file}: {EmulatorSide} and {hostSide} agree");
            return;
        }
        const string none = "(no line)";
        int width = Math.Max(EmulatorSide.Length, differences.Max(d => (d.Left ?? none).Length));
        stdout.WriteLine($"{file}: {differences.Count} line(s) differ");
        stdout.WriteLine($"  line  {EmulatorSide.PadRight(width)}  | {hostSide}");
        foreach (var d in differences)
        {
            string line = d.Line > 0 ? d.Line.ToString(CultureInfo.InvariantCulture) : "end";
            stdout.WriteLine($"  {line,4}  {(d.Left ?? none).PadRight(width)}  | {d.Right ?? none}");
        }
    }

    /// <summary>What one side wrote on stderr (a backend failure, a script error), under its name.</summary>
    private static void WriteErrors(string side, string errors, TextWriter stdout)
    {
        foreach (var line in errors.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            stdout.WriteLine($"  {side} said: {line}");
    }
}
