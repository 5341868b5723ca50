namespace Pluggable.Fuzzing;

/// <summary>One case as it ran: the text, what was wrong (null: nothing), and where it came from.</summary>
public sealed record CaseResult(string Text, ScenarioOrigin Origin, CaseSource Source, Verdict? Verdict, Comparison? Comparison)
{
    public bool Failed => Verdict is not null;
}

/// <summary>
/// The three kinds of case (a random valid sequence, a mutated corpus file, a random sequence
/// against the live kernel) and the minimizing of a failing one. The session, the tests and the
/// CLI all go through here, so a failure in one is a failure in the others.
/// </summary>
public static class FuzzCases
{
    /// <summary>Hangs and runaway memory are shrunk with a short limit: a run that hangs hangs with any limit.</summary>
    private static readonly TimeSpan ShrinkLimitForHangs = TimeSpan.FromSeconds(1);

    /// <summary>The seed of case <paramref name="index"/> of a session: distinct for every case, the same on every machine.</summary>
    public static ulong CaseSeed(ulong sessionSeed, long index) => new FuzzRandom(sessionSeed + (ulong)index * 0x9E3779B97F4A7C15).NextULong();

    public static CaseResult Random(FuzzTarget target, ulong seed, TimeSpan limit)
    {
        string text = ScenarioGenerator.Generate(target.Profile, seed);
        var run = target.Emulator.Run(text, limit);
        return new CaseResult(text, ScenarioOrigin.Generated, new CaseSource("random valid sequence", seed, target.Arch, false),
            RunJudge.Judge(text, run, ScenarioOrigin.Generated), null);
    }

    /// <param name="corpus">The files to pick from and take lines from; the seed picks one and damages it.</param>
    public static CaseResult Mutated(FuzzTarget target, IReadOnlyList<CorpusFile> corpus, ulong seed, TimeSpan limit)
    {
        var random = new FuzzRandom(seed);
        var file = random.Pick(corpus);
        string text = ScenarioMutator.Mutate(file.Text, random, [.. corpus.Select(c => c.Text)]);
        var run = target.Emulator.Run(text, limit);
        return new CaseResult(text, ScenarioOrigin.Mutated, new CaseSource($"{file.Path}, mutated", seed, target.Arch, false),
            RunJudge.Judge(text, run, ScenarioOrigin.Mutated), null);
    }

    /// <param name="target">Must describe the emulator configuration the host is compared with (x86_64), with a host-comparable profile.</param>
    public static CaseResult AgainstHost(FuzzTarget target, IScenarioExecutor host, ulong seed, TimeSpan limit, TimeSpan hostLimit)
    {
        string text = ScenarioGenerator.Generate(target.Profile, seed);
        var comparison = HostComparison.Compare(text, target.Emulator, host, limit, hostLimit);
        return new CaseResult(text, ScenarioOrigin.Generated, new CaseSource("random valid sequence against the live kernel", seed, target.Arch, true),
            comparison.Verdict, comparison);
    }

    /// <summary>
    /// Shrinks a failing case to a small scenario that fails the same way (same signature), re-running
    /// everything that decides the failure for every candidate; null when the failure does not come
    /// back on a second run of the original (a flaky divergence, a machine that was busy).
    /// </summary>
    public static Finding? Minimize(CaseResult failing, FuzzTarget target, IScenarioExecutor? host, TimeSpan limit, TimeSpan hostLimit, ShrinkBudget budget)
    {
        var verdict = failing.Verdict ?? throw new ArgumentException("the case did not fail", nameof(failing));
        Func<string, bool> FailsWithin(TimeSpan runLimit) => failing.Source.AgainstHost
            ? text => SameComparisonFailure(text, verdict, target, host!, runLimit, hostLimit)
            : text => RunJudge.Judge(text, target.Emulator.Run(text, runLimit), failing.Origin)?.Signature == verdict.Signature;
        if (!FailsWithin(limit)(failing.Text))
            return null;

        var shrinkLimit = verdict.Kind is FindingKind.Hang or FindingKind.RunawayMemory ? Min(limit, ShrinkLimitForHangs) : limit;
        var stillFails = FailsWithin(shrinkLimit);
        // Nothing after the failing line can change what happened on it: cutting it is the first try.
        string? cut = verdict.Line is { } line ? Before(failing.Text, line) : null;
        // Against the live kernel the machine settings stay: without them the kernel would answer
        // for whatever state the machine was left in, and the scenario would no longer say it.
        int pinned = failing.Source.AgainstHost ? MachineSettings(failing.Text) : 0;
        var shrink = ScenarioShrinker.Shrink(cut is not null && stillFails(cut) ? cut : failing.Text, stillFails, budget, pinned);
        int lines = failing.Text.Split('\n').Count(l => l.Trim().Length > 0);
        // The summary quotes a line of the scenario: take it from a run of the minimized one.
        if (failing.Source.AgainstHost)
        {
            var final = HostComparison.Compare(shrink.Text, target.Emulator, host!, limit, hostLimit);
            if (verdict.Kind != FindingKind.Divergence)
                return new Finding(Restated(verdict, final.Verdict), shrink.Text, failing.Source, lines, shrink, []);
            var restated = HostComparison.Find(final, shrink.Text, verdict.Signature) is { } same ? verdict with { Summary = HostComparison.Describe(same) } : verdict;
            return new Finding(restated, shrink.Text, failing.Source, lines, shrink, final.Differences);
        }
        var rerun = RunJudge.Judge(shrink.Text, target.Emulator.Run(shrink.Text, shrinkLimit), failing.Origin);
        return new Finding(Restated(verdict, rerun), shrink.Text, failing.Source, lines, shrink, []);
    }

    /// <summary>The original verdict in the words of the minimized run, when that run failed the same way.</summary>
    private static Verdict Restated(Verdict original, Verdict? minimized) =>
        minimized is not null && minimized.Kind == original.Kind ? original with { Summary = minimized.Summary } : original;

    private static bool SameComparisonFailure(string text, Verdict verdict, FuzzTarget target, IScenarioExecutor host, TimeSpan limit, TimeSpan hostLimit)
    {
        var comparison = HostComparison.Compare(text, target.Emulator, host, limit, hostLimit);
        return verdict.Kind == FindingKind.Divergence
            ? HostComparison.Shows(comparison, text, verdict.Signature)
            : comparison.Verdict?.Signature == verdict.Signature;
    }

    /// <summary>How many leading lines set the machine up (<c>default_hugepagesz</c>, <c>thp</c>, <c>hugepages</c>), as the generator writes them first.</summary>
    private static int MachineSettings(string text) =>
        text.Split('\n').TakeWhile(l => l.StartsWith("default_hugepagesz ", StringComparison.Ordinal) || l.StartsWith("thp ", StringComparison.Ordinal) || l.StartsWith("hugepages ", StringComparison.Ordinal)).Count();

    /// <summary>The text up to and including line <paramref name="line"/> (from 1); null when that is all of it.</summary>
    private static string? Before(string text, int line)
    {
        var lines = text.Split('\n');
        return line < lines.Length - 1 ? string.Join('\n', lines[..line]) + "\n" : null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
