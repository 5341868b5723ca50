using Pluggable.Core.Emulator;
using Pluggable.Fuzzing;
using Pluggable.Hosting;

namespace Pluggable.HostKernel.Tests;

/// <summary>
/// Random valid sequences (the host-comparable kind: no emulator-only commands, no sizes that
/// depend on the machine) run on the emulator (x86_64) and on this machine's kernel; every place
/// where the transcripts differ fails, with the minimized scenario (both sides re-run for every
/// shrinking step) and the seed. PLUGGABLE_FUZZ_SEED repeats a run; PLUGGABLE_FUZZ_SCALE
/// multiplies the number of sequences.
/// </summary>
[Collection(HostKernelCollection.Name)]
public class HostFuzzTests
{
    private const int Sequences = 40;

    [Fact]
    public void Random_sequences_answer_as_the_live_kernel_does()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and this test needs it (CI runs it as root on Linux x86_64 with userfaultfd): {reason}");

        ulong seed = Seed();
        var x86 = PluginCatalog.Discover(new McMasterPluginLoader(), []).Select(ArchSpec.Parse(ArchSpec.DefaultName));
        var machine = new EmulatorOptions { DebugVm = true };
        var emulator = new InProcessExecutor("emulator x86_64", () => new EmulatorBackend(x86.Architecture, x86.Plugin.Plugin.Aliases, machine));
        var settings = new FuzzSettings
        {
            Targets = [new FuzzTarget($"x86_64:{PluginCatalog.FormatOptions(x86.Options)}", GeneratorProfile.ForHostComparison(x86.Architecture), emulator)],
            Host = new SettlingExecutor(new InProcessExecutor("host", () => new HostBackend()), TimeSpan.FromSeconds(90)),
            Seed = seed,
            Count = Sequences * Scale(),
            // Bounded while host failures (a teardown of ~20 s, a timeout) are still open.
            Duration = TimeSpan.FromSeconds(90) * Scale(),
            ShrinkBudget = new ShrinkBudget(100, TimeSpan.FromSeconds(30)),
            MinimizeAtMost = 3,
        };
        var log = new StringWriter { NewLine = "\n" };
        var summary = new FuzzSession(settings, log).Run(CancellationToken.None);
        FuzzSession.WriteSummary(summary, settings, log);
        Assert.True(summary.Families.Count == 0,
            $"repeat with: PLUGGABLE_FUZZ_SEED={SeedText.Format(seed)} dotnet test tests/Pluggable.HostKernel.Tests --filter {nameof(Random_sequences_answer_as_the_live_kernel_does)}\n"
            + $"{FuzzSession.Report(summary)}\n--- log\n{log}");
    }

    private static ulong Seed()
    {
        string? text = Environment.GetEnvironmentVariable("PLUGGABLE_FUZZ_SEED");
        if (string.IsNullOrWhiteSpace(text))
            return SeedText.Fresh();
        return SeedText.TryParse(text, out ulong seed) ? seed : throw new InvalidOperationException($"PLUGGABLE_FUZZ_SEED='{text}' is not a number (decimal or 0x hex)");
    }

    private static int Scale() =>
        int.TryParse(Environment.GetEnvironmentVariable("PLUGGABLE_FUZZ_SCALE"), out int scale) && scale > 0 ? scale : 1;
}
