namespace Pluggable.Fuzzing;

/// <summary>
/// Random valid scenarios: every line parses and names what the scenario has made, so what a run
/// answers is the machine's business. The same profile and seed give the same text everywhere.
/// </summary>
public static class ScenarioGenerator
{
    /// <summary>The scenario for <paramref name="seed"/>, as text a person can run and edit.</summary>
    public static string Generate(GeneratorProfile profile, ulong seed)
    {
        // A quarter of the scenarios boot with another default huge page (default_hugepagesz), so
        // that every size's shape is exercised (arm64's runs, PowerPC's hugepds), not only the default's.
        string boot = "";
        var others = profile.PoolSizes.Where(s => s != profile.HugePageSize && s <= GeneratorProfile.LargestHugePage).ToList();
        ulong mix = (seed + 1) * 0x9E3779B97F4A7C15UL;
        if (others.Count > 0 && mix >> 62 == 0)
        {
            ulong size = others[(int)((mix >> 24) % (ulong)others.Count)];
            profile = profile with { HugePageSize = size };
            boot = $"default_hugepagesz {ScenarioText.PoolSize(size)}\n";
        }
        var lines = new GenerationRun(profile, seed).Write();
        return boot + string.Join('\n', lines) + "\n";
    }
}
