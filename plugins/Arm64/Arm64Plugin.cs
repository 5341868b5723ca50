using Pluggable.Core.Arch;

namespace Pluggable.Arch.Arm64;

/// <summary>
/// Selects arm64, its granule and its VA size. The default, 4K with 48 bits (4 levels), is the most
/// common distribution kernel configuration.
/// </summary>
/// Kernel: CONFIG_ARM64_{4K,16K,64K}_PAGES and CONFIG_ARM64_VA_BITS_{39,48} (VA 39 depends on 4K pages).
public sealed class Arm64Plugin : IArchitecturePlugin
{
    public const string ArchName = "arm64";
    public const string GranuleOption = "granule";
    public const string VaOption = "va";
    public const string EpanOption = "epan";

    private static readonly string[] GranuleValues = ["4k", "16k", "64k"];
    private static readonly string[] VaValues = ["39", "48"];
    private static readonly string[] OnOff = ["on", "off"];

    public string Name => ArchName;

    public IReadOnlyList<string> Aliases { get; } = ["aarch64", "arm64le"];

    public string Description => "4K/16K/64K granule, 39- or 48-bit VA, pmd/pud blocks and contiguous pte/pmd runs";

    public IReadOnlyList<ArchOption> Options { get; } =
    [
        new ArchOption(GranuleOption, GranuleValues, "4k", "translation granule (base page size)"),
        new ArchOption(VaOption, VaValues, "48", "user virtual address bits (39 only with the 4k granule)"),
        new ArchOption(EpanOption, OnOff, "on", "a CPU with Enhanced PAN (FEAT_PAN3), which makes PROT_EXEC alone execute-only"),
    ];

    /// <summary>Every granule, and both VA sizes of the 4K one (3 and 4 levels).</summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
    [
        new Dictionary<string, string> { [GranuleOption] = "4k", [VaOption] = "48" },
        new Dictionary<string, string> { [GranuleOption] = "4k", [VaOption] = "39" },
        new Dictionary<string, string> { [GranuleOption] = "16k", [VaOption] = "48" },
        new Dictionary<string, string> { [GranuleOption] = "64k", [VaOption] = "48" },
    ];

    internal static string GranuleName(int pageShift) => $"{1 << (pageShift - 10)}k";

    /// <exception cref="ArgumentException">An unknown option or value, or va=39 with a granule other than 4k.</exception>
    public Architecture Create(IReadOnlyDictionary<string, string> options)
    {
        foreach (var name in options.Keys)
            if (name is not (GranuleOption or VaOption or EpanOption))
                throw new ArgumentException($"arm64 has no option '{name}'; known options: {GranuleOption}, {VaOption}, {EpanOption}", nameof(options));

        string granule = Value(options, GranuleOption, "4k", GranuleValues);
        string va = Value(options, VaOption, "48", VaValues);
        if (va == "39" && granule != "4k")
            throw new ArgumentException($"arm64 {VaOption}=39 needs {GranuleOption}=4k (Kconfig ARM64_VA_BITS_39 depends on 4K pages)", nameof(options));
        int pageShift = granule switch { "4k" => 12, "16k" => 14, _ => 16 };
        return new Arm64Architecture(pageShift, va == "39" ? 39 : 48, Value(options, EpanOption, "on", OnOff) == "on");
    }

    private static string Value(IReadOnlyDictionary<string, string> options, string name, string fallback, string[] allowed)
    {
        string value = options.TryGetValue(name, out var given) ? given.Trim().ToLowerInvariant() : fallback;
        if (!allowed.Contains(value))
            throw new ArgumentException(
                $"arm64 option {name}='{value}' is not valid; allowed values: {string.Join(", ", allowed)}", nameof(options));
        return value;
    }
}
