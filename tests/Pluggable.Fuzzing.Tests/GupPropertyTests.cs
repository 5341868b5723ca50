using Xunit.Abstractions;

namespace Pluggable.Fuzzing.Tests;

/// <summary>
/// The property of GUP's accounting, on every plugin configuration: after any random sequence of
/// GUP system calls, long-term pins, gup/unpin, fork, munmap, mremap and madvise, with the
/// emulator's consistency checks on after every command, every pin is held by someone who will
/// release it, every frame's reference count equals the references that exist (mappings, pins,
/// parked callers, page cache), and the teardown frees every frame. A broken invariant is a
/// failure with its minimized scenario.
/// </summary>
[Collection(SearchCollection.Name)]
public class GupPropertyTests(WorkerFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Machines.ConfigurationData), MemberType = typeof(Machines))]
    public void Gup_sequences_keep_every_pin_and_reference_accounted(string configuration)
    {
        var arch = Machines.Architecture(configuration);
        var profile = GeneratorProfile.ForEmulator(arch, Machines.Options) with { GupFocus = true };
        SearchAssert.Clean(new FuzzSettings
        {
            Targets = [new FuzzTarget(configuration, profile, fixture.Worker.For(configuration))],
            Seed = FuzzSeed.For(configuration) ^ 0x6775_7000,
            Count = FuzzSeed.Cases(25),
            Duration = FuzzSeed.Time(TimeSpan.FromSeconds(15)),
            RunLimit = SearchAssert.RunLimit,
            ShrinkBudget = SearchAssert.Budget,
            MinimizeAtMost = SearchAssert.Minimized,
            ProgressEvery = TimeSpan.FromSeconds(10),
        }, output, nameof(Gup_sequences_keep_every_pin_and_reference_accounted));
    }
}
