using Pluggable.Core.Scenarios;

namespace Pluggable.Fuzzing;

/// <summary>Where a scenario came from: how it was made, its seed, and the machine it ran on.</summary>
/// <param name="Made">"random valid sequence" or "tests/conformance/x.scenario, mutated".</param>
/// <param name="Arch">The <c>--arch</c> value it ran with.</param>
public sealed record CaseSource(string Made, ulong Seed, string Arch, bool AgainstHost)
{
    public string SeedText => Fuzzing.SeedText.Format(Seed);
}

/// <summary>A failing scenario, minimized, with what was wrong and where it came from.</summary>
/// <param name="Differences">For a divergence: the lines where the minimized scenario's transcripts differ.</param>
public sealed record Finding(Verdict Verdict, string Scenario, CaseSource Source, int OriginalLines, ShrinkResult? Shrink, IReadOnlyList<TranscriptDifference> Differences);
