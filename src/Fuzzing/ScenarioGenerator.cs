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
        var lines = new GenerationRun(profile, seed).Write();
        return string.Join('\n', lines) + "\n";
    }
}
