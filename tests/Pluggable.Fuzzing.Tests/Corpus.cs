namespace Pluggable.Fuzzing.Tests;

/// <summary>The conformance corpus, tests/conformance/*.scenario, found from the test assembly upward.</summary>
internal static class Corpus
{
    private static readonly Lazy<IReadOnlyList<CorpusFile>> Loaded = new(Load);

    public static IReadOnlyList<CorpusFile> Files => Loaded.Value;

    private static IReadOnlyList<CorpusFile> Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pluggable.sln")))
            {
                string corpus = Path.Combine(dir.FullName, "tests", "conformance");
                return [.. Directory.GetFiles(corpus, "*.scenario").Order(StringComparer.Ordinal)
                    .Select(f => new CorpusFile(Path.GetRelativePath(dir.FullName, f), File.ReadAllText(f)))];
            }
        }
        throw new InvalidOperationException($"no Pluggable.sln above {AppContext.BaseDirectory}: the tests must run from a checkout");
    }
}
