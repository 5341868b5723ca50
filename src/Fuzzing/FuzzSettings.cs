namespace Pluggable.Fuzzing;

/// <summary>What a fuzz session searches, for how long, and where it keeps what it finds.</summary>
public sealed record FuzzSettings
{
    /// <summary>The configurations to fuzz; cases go round them in turn.</summary>
    public required IReadOnlyList<FuzzTarget> Targets { get; init; }

    /// <summary>Case N's seed is derived from this one, so one seed names the whole session.</summary>
    public ulong Seed { get; init; }

    /// <summary>Stop after this many cases (null: no count).</summary>
    public int? Count { get; init; }

    /// <summary>Stop after this long (null: no time limit).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Random valid sequences.</summary>
    public bool Generate { get; init; } = true;

    /// <summary>Mutated corpus files (needs <see cref="Corpus"/>).</summary>
    public IReadOnlyList<CorpusFile> Corpus { get; init; } = [];

    /// <summary>The live kernel: every random sequence is also compared with it.</summary>
    public IScenarioExecutor? Host { get; init; }

    /// <summary>Where findings are written (null: reported only).</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>An emulator run's time limit: far above what any generated scenario needs.</summary>
    public TimeSpan RunLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The host run's limit, as the host runner has.</summary>
    public TimeSpan HostLimit { get; init; } = TimeSpan.FromSeconds(20);

    public ShrinkBudget ShrinkBudget { get; init; } = ShrinkBudget.Default;

    /// <summary>Minimize only this many families, keep later ones as found (null: all); bounds the time a search with many failures takes.</summary>
    public int? MinimizeAtMost { get; init; }

    /// <summary>How often a progress line is printed.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A scenario file to mutate: its path (for headers) and its text.</summary>
public sealed record CorpusFile(string Path, string Text);
