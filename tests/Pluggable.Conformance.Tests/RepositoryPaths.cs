namespace Pluggable.Conformance.Tests;

/// <summary>Where the corpus and its snapshots live, found from the test assembly upward.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Corpus => Path.Combine(Root, "tests", "conformance");

    /// <summary>Scenarios only the emulator can answer (tests/emulator).</summary>
    public static string EmulatorOnly => Path.Combine(Root, "tests", "emulator");

    public static string Snapshots => Path.Combine(Root, "tests", "snapshots");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pluggable.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Pluggable.sln above {AppContext.BaseDirectory}: the tests must run from a checkout");
    }
}
