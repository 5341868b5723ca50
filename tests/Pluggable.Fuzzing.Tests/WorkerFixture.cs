using System.Globalization;

namespace Pluggable.Fuzzing.Tests;

/// <summary>
/// One fuzz worker (the CLI beside the tests, <c>pluggable fuzz-worker</c>) for the searches of this
/// assembly: a hang or runaway memory stops the worker, never the test host.
/// </summary>
public sealed class WorkerFixture : IDisposable
{
    /// <summary>What the worker may grow by in one run beyond the emulated machine: the runtime, plugins, transcripts.</summary>
    private const ulong Overhead = 1UL << 30;

    public WorkerExecutor Worker { get; } = new(
        new WorkerCommand(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "pluggable.exe" : "pluggable"),
            ["fuzz-worker", "--memory", Machines.MemoryBytes.ToString(CultureInfo.InvariantCulture)]),
        Machines.MemoryBytes + Overhead);

    public void Dispose() => Worker.Dispose();
}

/// <summary>The searches run one at a time: they share the worker, and each takes both cores when it can.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SearchCollection : ICollectionFixture<WorkerFixture>
{
    public const string Name = "random search";
}
