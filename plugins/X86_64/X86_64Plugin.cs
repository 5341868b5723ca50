using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64;

/// <summary>
/// Selects x86_64, its paging mode and whether the CPU has protection keys. The default is 4
/// levels with protection keys because that is what the reference host runs (its CPU reports 48
/// virtual address bits, no LA57, and pku/ospke), so TaskSize, the mmap layout and PROT_EXEC
/// match the host backend; 5-level is the configuration to choose for an LA57 machine, pku=off
/// for a CPU without PKU (PROT_EXEC alone is readable there).
/// </summary>
/// Kernel: CONFIG_X86_5LEVEL with the run-time choice made by pgtable_l5_enabled() at boot;
/// CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS with boot_cpu_has(X86_FEATURE_OSPKE).
public sealed class X86_64Plugin : IArchitecturePlugin
{
    public const string ArchName = "x86_64";
    public const string LevelsOption = "levels";
    public const string PkuOption = "pku";

    private static readonly string[] LevelValues = ["4", "5"];
    private static readonly string[] PkuValues = ["on", "off"];
    private const string DefaultLevels = "4";
    private const string DefaultPku = "on";

    public string Name => ArchName;

    public IReadOnlyList<string> Aliases { get; } = ["x86-64", "amd64", "x86"];

    public string Description => "4K pages, 4- or 5-level (LA57) paging, 2M and 1G huge pages";

    public IReadOnlyList<ArchOption> Options { get; } =
    [
        new ArchOption(LevelsOption, LevelValues, DefaultLevels,
            "page-table levels: 4 (48-bit VA) or 5 (LA57, 57-bit VA)"),
        new ArchOption(PkuOption, PkuValues, DefaultPku,
            "protection keys: on maps PROT_EXEC alone execute-only (a load is SIGSEGV), off leaves it readable"),
    ];

    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
        LevelValues.Select(v => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { [LevelsOption] = v });

    /// <exception cref="ArgumentException">An unknown option, or a value the option does not allow.</exception>
    public Architecture Create(IReadOnlyDictionary<string, string> options)
    {
        foreach (var name in options.Keys)
            if (name is not (LevelsOption or PkuOption))
                throw new ArgumentException($"x86_64 has no option '{name}'; known options: {LevelsOption}, {PkuOption}", nameof(options));

        string levels = Value(options, LevelsOption, LevelValues, DefaultLevels);
        string pku = Value(options, PkuOption, PkuValues, DefaultPku);
        return new X86_64Architecture(int.Parse(levels, System.Globalization.CultureInfo.InvariantCulture), protectionKeys: pku == "on");
    }

    private static string Value(IReadOnlyDictionary<string, string> options, string name, string[] allowed, string fallback)
    {
        string value = options.TryGetValue(name, out var given) ? given.Trim() : fallback;
        if (!allowed.Contains(value))
            throw new ArgumentException(
                $"x86_64 option {name}='{value}' is not valid; allowed values: {string.Join(", ", allowed)}", nameof(options));
        return value;
    }
}
