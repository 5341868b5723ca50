using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64;

/// <summary>
/// Selects x86_64 and its paging mode. The default is 4 levels because that is what the reference
/// host runs (its CPU reports 48 virtual address bits and no LA57), so TaskSize and the mmap layout
/// match the host backend; 5-level is the configuration to choose for an LA57 machine.
/// </summary>
/// Kernel: CONFIG_X86_5LEVEL with the run-time choice made by pgtable_l5_enabled() at boot.
public sealed class X86_64Plugin : IArchitecturePlugin
{
    public const string ArchName = "x86_64";
    public const string LevelsOption = "levels";

    private static readonly string[] LevelValues = ["4", "5"];
    private const string DefaultLevels = "4";

    public string Name => ArchName;

    public IReadOnlyList<string> Aliases { get; } = ["x86-64", "amd64", "x86"];

    public string Description => "4K pages, 4- or 5-level (LA57) paging, 2M and 1G huge pages";

    public IReadOnlyList<ArchOption> Options { get; } =
    [
        new ArchOption(LevelsOption, LevelValues, DefaultLevels,
            "page-table levels: 4 (48-bit VA) or 5 (LA57, 57-bit VA)"),
    ];

    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
        LevelValues.Select(v => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { [LevelsOption] = v });

    /// <exception cref="ArgumentException">An unknown option, or a levels value other than 4 or 5.</exception>
    public Architecture Create(IReadOnlyDictionary<string, string> options)
    {
        foreach (var name in options.Keys)
            if (name != LevelsOption)
                throw new ArgumentException($"x86_64 has no option '{name}'; known options: {LevelsOption}", nameof(options));

        string value = options.TryGetValue(LevelsOption, out var given) ? given.Trim() : DefaultLevels;
        if (!LevelValues.Contains(value))
            throw new ArgumentException(
                $"x86_64 option {LevelsOption}='{value}' is not valid; allowed values: {string.Join(", ", LevelValues)}", nameof(options));
        return new X86_64Architecture(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
