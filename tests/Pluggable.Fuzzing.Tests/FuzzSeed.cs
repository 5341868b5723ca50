using System.Globalization;

namespace Pluggable.Fuzzing.Tests;

/// <summary>
/// The seed of this test run's random search: PLUGGABLE_FUZZ_SEED when set (to repeat a failing
/// run), otherwise a new one per run, printed by every test that uses it. PLUGGABLE_FUZZ_SCALE
/// multiplies the number of cases, for a longer search than CI's.
/// </summary>
internal static class FuzzSeed
{
    public const string SeedVariable = "PLUGGABLE_FUZZ_SEED";
    public const string ScaleVariable = "PLUGGABLE_FUZZ_SCALE";

    public static ulong Value { get; } = Read();

    public static string Text => SeedText.Format(Value);

    /// <summary>This run's seed for one part of the search (a configuration): stable, unlike string hash codes.</summary>
    public static ulong For(string part)
    {
        ulong hash = 0xcbf29ce484222325;
        foreach (char c in part)
            hash = (hash ^ c) * 0x100000001b3;
        return Value ^ hash;
    }

    public static int Cases(int perRun) => perRun * Scale;

    /// <summary>A search's time budget, scaled like its number of cases.</summary>
    public static TimeSpan Time(TimeSpan perRun) => perRun * Scale;

    private static int Scale =>
        int.TryParse(Environment.GetEnvironmentVariable(ScaleVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int scale) && scale > 0 ? scale : 1;

    /// <summary>How to run this search again.</summary>
    public static string Repeat(string testName) => $"repeat with: {SeedVariable}={Text} dotnet test tests/Pluggable.Fuzzing.Tests --filter {testName}";

    private static ulong Read()
    {
        string? text = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.IsNullOrWhiteSpace(text))
            return SeedText.Fresh();
        return SeedText.TryParse(text, out ulong seed)
            ? seed
            : throw new InvalidOperationException($"{SeedVariable}='{text}' is not a number (decimal or 0x hex)");
    }
}
