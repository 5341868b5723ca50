using Xunit.Abstractions;

namespace Pluggable.Fuzzing.Tests;

/// <summary>
/// The random search CI runs: random valid sequences on every plugin configuration, with the
/// emulator's consistency checks on, and mutated corpus files; every run answers within its limit
/// with an exit status 0..3 and a message, and never with an internal error, a broken invariant
/// or runaway memory. A failure prints its minimized scenario and how to repeat the search.
/// Each search also stops after a time budget, so that a suite run stays short while failures
/// (each a hang of seconds, and its minimizing) are still open.
/// </summary>
[Collection(SearchCollection.Name)]
public class RandomSearchTests(WorkerFixture fixture, ITestOutputHelper output)
{

    [Theory]
    [MemberData(nameof(Machines.ConfigurationData), MemberType = typeof(Machines))]
    public void Random_valid_sequences_run_cleanly(string configuration)
    {
        var arch = Machines.Architecture(configuration);
        var target = new FuzzTarget(configuration, GeneratorProfile.ForEmulator(arch, Machines.Options), fixture.Worker.For(configuration));
        SearchAssert.Clean(new FuzzSettings
        {
            Targets = [target],
            Seed = FuzzSeed.For(configuration),
            Count = FuzzSeed.Cases(30),
            Duration = FuzzSeed.Time(TimeSpan.FromSeconds(25)),
            RunLimit = SearchAssert.RunLimit,
            ShrinkBudget = SearchAssert.Budget,
            MinimizeAtMost = SearchAssert.Minimized,
            ProgressEvery = TimeSpan.FromSeconds(10),
        }, output, nameof(Random_valid_sequences_run_cleanly));
    }

    [Fact]
    public void Mutated_corpus_files_are_answered_cleanly()
    {
        var targets = Machines.Configurations
            .Select(c => new FuzzTarget(c, GeneratorProfile.ForEmulator(Machines.Architecture(c), Machines.Options), fixture.Worker.For(c)))
            .ToList();
        SearchAssert.Clean(new FuzzSettings
        {
            Targets = targets,
            Seed = FuzzSeed.Value,
            Count = FuzzSeed.Cases(150),
            Duration = FuzzSeed.Time(TimeSpan.FromSeconds(40)),
            Generate = false,
            Corpus = Corpus.Files,
            RunLimit = SearchAssert.RunLimit,
            ShrinkBudget = SearchAssert.Budget,
            MinimizeAtMost = SearchAssert.Minimized,
            ProgressEvery = TimeSpan.FromSeconds(10),
        }, output, nameof(Mutated_corpus_files_are_answered_cleanly));
    }
}
