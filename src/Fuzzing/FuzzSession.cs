using System.Diagnostics;
using System.Globalization;

namespace Pluggable.Fuzzing;

/// <summary>Findings that share a signature: one bug, seen <see cref="Count"/> times, kept once.</summary>
/// <param name="Path">The file the first one was written to, or null when nothing is written (or it did not reproduce).</param>
public sealed record FindingFamily(Verdict Verdict, int Count, Finding? First, string? Path);

/// <summary>What a session did: how many cases of each kind, and the families of findings.</summary>
public sealed record FuzzSummary(long Cases, long Random, long Mutated, long Compared, long Flaky, TimeSpan Elapsed, IReadOnlyList<FindingFamily> Families);

/// <summary>
/// The search behind <c>pluggable fuzz</c>: case after case (random sequences, mutated corpus files,
/// comparisons with the live kernel) until the count or the time is reached; the first case of each
/// new kind of failure is minimized and kept, later ones are counted.
/// </summary>
public sealed class FuzzSession(FuzzSettings settings, TextWriter log)
{
    private readonly Dictionary<string, FindingFamily> _families = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public FuzzSummary Run(CancellationToken cancel)
    {
        if (settings.Targets.Count == 0)
            throw new ArgumentException("a fuzz session needs at least one target", nameof(settings));
        if (!settings.Generate && settings.Corpus.Count == 0)
            throw new ArgumentException("a fuzz session needs random sequences or a corpus to mutate", nameof(settings));

        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        long cases = 0, random = 0, mutated = 0, compared = 0, flaky = 0;
        for (long index = 0; !cancel.IsCancellationRequested; index++)
        {
            if (settings.Count is { } count && index >= count)
                break;
            if (settings.Duration is { } duration && clock.Elapsed >= duration)
                break;
            if (StuckExecutor() is { } stuck)
            {
                log.WriteLine($"fuzz: {stuck} cannot run any more; stopping");
                break;
            }

            var target = settings.Targets[(int)(index % settings.Targets.Count)];
            ulong seed = FuzzCases.CaseSeed(settings.Seed, index);
            bool mutate = settings.Corpus.Count > 0 && (!settings.Generate || index % 2 == 1);
            CaseResult result;
            if (mutate)
            {
                result = FuzzCases.Mutated(target, settings.Corpus, seed, settings.RunLimit);
                mutated++;
            }
            else if (settings.Host is { } host)
            {
                result = FuzzCases.AgainstHost(target, host, seed, settings.RunLimit, settings.HostLimit);
                random++;
                compared++;
            }
            else
            {
                result = FuzzCases.Random(target, seed, settings.RunLimit);
                random++;
            }
            cases++;
            if (StuckExecutor() is { } stuckNow)
            {
                log.WriteLine($"fuzz: {stuckNow}; the last case (seed {result.Source.SeedText}) is not judged, and the search stops");
                break;
            }
            if (cancel.IsCancellationRequested)
            {
                // The signal that stops the search (Ctrl-C reaches the whole process group) may have ended the worker too.
                log.WriteLine($"fuzz: stopped; the last case (seed {result.Source.SeedText}) is not judged");
                break;
            }
            if (result.Failed && !Record(result, target, cancel))
                flaky++;

            if (clock.Elapsed - lastProgress >= settings.ProgressEvery)
            {
                lastProgress = clock.Elapsed;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fuzz: {cases} cases in {clock.Elapsed.TotalSeconds:0} s, {_families.Values.Sum(f => f.Count)} findings in {_families.Count} families"));
            }
        }
        return new FuzzSummary(cases, random, mutated, compared, flaky, clock.Elapsed, [.. _order.Select(s => _families[s])]);
    }

    /// <summary>
    /// An executor that cannot run any more: an in-process one whose last run never came back, or a
    /// host that cannot even run a scenario that does nothing. The session ends there.
    /// </summary>
    private string? StuckExecutor()
    {
        foreach (var executor in settings.Targets.Select(t => t.Emulator).Append(settings.Host))
        {
            switch (executor)
            {
                case SettlingExecutor { Stuck: { } why } settling:
                    return $"{settling.Name} ({why})";
                case SettlingExecutor { Inner: InProcessExecutor { Stuck: true } inner }:
                    return inner.Name;
                case InProcessExecutor { Stuck: true } inProcess:
                    return inProcess.Name;
            }
        }
        return null;
    }

    /// <summary>Counts the failure; minimizes and keeps the first of its family. False when it did not reproduce.</summary>
    private bool Record(CaseResult result, FuzzTarget target, CancellationToken cancel)
    {
        var verdict = result.Verdict!;
        if (_families.TryGetValue(verdict.Signature, out var known))
        {
            _families[verdict.Signature] = known with { Count = known.Count + 1 };
            return true;
        }
        bool minimize = settings.MinimizeAtMost is not { } most || _order.Count < most;
        log.WriteLine($"fuzz: {verdict.Kind.Describe()}: {verdict.Summary} ({result.Source.Made}, seed {result.Source.SeedText}, --arch {result.Source.Arch}){(minimize ? "; minimizing" : "")}");
        var finding = minimize
            ? FuzzCases.Minimize(result, target, settings.Host, settings.RunLimit, settings.HostLimit, settings.ShrinkBudget with { Stop = cancel })
            : new Finding(verdict, result.Text, result.Source, result.Text.Split('\n').Count(l => l.Trim().Length > 0), null, result.Comparison?.Differences ?? []);
        if (finding is null)
        {
            log.WriteLine("fuzz:   it did not happen again on a second run; not kept");
            return false;
        }
        string? path = settings.OutputDirectory is { } dir ? FindingFile.Write(dir, finding) : null;
        string kept = finding.Shrink is null ? "kept as found" : "minimized";
        log.WriteLine(path is null
            ? $"fuzz:   {kept}, {Lines(finding.Scenario)} lines:\n{Indent(finding.Scenario)}"
            : $"fuzz:   {kept}, {Lines(finding.Scenario)} lines: {path}");
        _families[verdict.Signature] = new FindingFamily(finding.Verdict, 1, finding, path);
        _order.Add(verdict.Signature);
        return true;
    }

    /// <summary>The closing lines: what ran, and each family with its count and file.</summary>
    public static void WriteSummary(FuzzSummary summary, FuzzSettings settings, TextWriter output)
    {
        string modes = string.Join(", ", new[]
        {
            summary.Random > 0 ? $"{summary.Random} random" : null,
            summary.Compared > 0 ? $"{summary.Compared} compared with the live kernel" : null,
            summary.Mutated > 0 ? $"{summary.Mutated} mutated" : null,
        }.OfType<string>());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fuzz: {summary.Cases} cases ({modes}) in {summary.Elapsed.TotalSeconds:0.#} s on {string.Join(", ", settings.Targets.Select(t => t.Arch))}; seed {SeedText.Format(settings.Seed)}"));
        if (summary.Flaky > 0)
            output.WriteLine($"fuzz: {summary.Flaky} failures did not happen again on a second run");
        if (summary.Families.Count == 0)
        {
            output.WriteLine("fuzz: no findings");
            return;
        }
        output.WriteLine($"fuzz: {summary.Families.Sum(f => f.Count)} findings in {summary.Families.Count} families:");
        foreach (var family in summary.Families)
            output.WriteLine($"  {family.Verdict.Kind.Describe()} x{family.Count}: {family.Verdict.Summary}{(family.Path is null ? "" : " -> " + family.Path)}");
    }

    /// <summary>Every family with its count and its (minimized) scenario file's text: what a failing test prints.</summary>
    public static string Report(FuzzSummary summary)
    {
        var report = new System.Text.StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"{summary.Families.Sum(f => f.Count)} findings in {summary.Families.Count} families in {summary.Cases} cases\n");
        foreach (var family in summary.Families)
        {
            report.Append(CultureInfo.InvariantCulture, $"\n=== {family.Verdict.Kind.Describe()} x{family.Count}\n");
            report.Append(family.First is { } first ? FindingFile.Text(first, "finding.scenario") : family.Verdict.Summary + "\n");
        }
        return report.ToString();
    }

    private static int Lines(string text) => text.Split('\n').Count(l => l.Trim().Length > 0);

    private static string Indent(string text) => string.Join('\n', text.TrimEnd('\n').Split('\n').Select(l => "    " + l));
}
