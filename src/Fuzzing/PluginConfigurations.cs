using Pluggable.Core.Arch;

namespace Pluggable.Fuzzing;

/// <summary>Every configuration a plugin can be created in: each combination of its options' values that it accepts.</summary>
public static class PluginConfigurations
{
    /// <summary>The <c>--arch</c> values (<c>NAME:option=value,...</c>), options in the plugin's order.</summary>
    public static IReadOnlyList<string> All(IArchitecturePlugin plugin)
    {
        var specs = new List<string>();
        foreach (var combination in Combinations(plugin.Options, 0))
        {
            var options = combination.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
            try
            {
                plugin.Create(options);
            }
            catch (ArgumentException)
            {
                // A combination the plugin refuses (arm64 va=39 with a 16K granule): not a configuration.
                continue;
            }
            specs.Add(combination.Count == 0 ? plugin.Name : $"{plugin.Name}:{string.Join(",", combination.Select(c => $"{c.Key}={c.Value}"))}");
        }
        return specs;
    }

    private static IEnumerable<List<KeyValuePair<string, string>>> Combinations(IReadOnlyList<ArchOption> options, int from)
    {
        if (from == options.Count)
        {
            yield return [];
            yield break;
        }
        foreach (var value in options[from].Values)
        {
            foreach (var rest in Combinations(options, from + 1))
            {
                rest.Insert(0, new(options[from].Name, value));
                yield return rest;
            }
        }
    }
}
