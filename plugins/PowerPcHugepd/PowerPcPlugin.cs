using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc;

/// <summary>
/// Selects PowerPC, its MMU and its base page as Linux 6.1 builds them: Book3S-64 hash or radix with
/// 4K or 64K pages, and the 32-bit 8xx. The default, hash with 4K pages, is the configuration that
/// still used hugepds until they were removed in 6.11.
/// </summary>
/// Kernel: CONFIG_PPC_BOOK3S_64 with CONFIG_PPC_{4K,64K}_PAGES and radix_enabled(), CONFIG_PPC_8xx
/// (arch/powerpc/Kconfig: PPC_16K_PAGES depends on 44x || PPC_8xx, PPC_64K_PAGES on 44x || PPC_BOOK3S_64).
public sealed class PowerPcPlugin : IArchitecturePlugin
{
    public const string ArchName = "powerpc";
    public const string MmuOption = "mmu";
    public const string PageOption = "page";

    private static readonly string[] MmuValues = ["hash", "radix", "8xx"];
    private static readonly string[] PageValues = ["4k", "16k", "64k"];

    public string Name => ArchName;

    public IReadOnlyList<string> Aliases { get; } = ["ppc64", "ppc", "ppc64le"];

    public string Description => "Book3S-64 hash (hugepd) or radix MMU with 4K/64K pages, 8xx with 4K/16K pages";

    public string ModelledKernel => "Linux 6.1 (powerpc hugepd, last in 6.10)";

    public IReadOnlyList<ArchOption> Options { get; } =
    [
        new ArchOption(MmuOption, MmuValues, "hash", "MMU: Book3S-64 hash or radix, or the 32-bit 8xx"),
        new ArchOption(PageOption, PageValues, "4k", "base page size (4k or 64k on Book3S-64, 4k or 16k on 8xx)"),
    ];

    /// <summary>Hash 4K (the hugepd shape), radix 64K (the common distribution kernel), radix 4K and the 8xx with 4K and 16K pages (32-bit, two levels, the shared 8M hugepd).</summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
    [
        new Dictionary<string, string> { [MmuOption] = "hash", [PageOption] = "4k" },
        new Dictionary<string, string> { [MmuOption] = "radix", [PageOption] = "64k" },
        new Dictionary<string, string> { [MmuOption] = "radix", [PageOption] = "4k" },
        new Dictionary<string, string> { [MmuOption] = "8xx", [PageOption] = "4k" },
        new Dictionary<string, string> { [MmuOption] = "8xx", [PageOption] = "16k" },
    ];

    internal static string MmuName(PowerPcMmu mmu) => mmu switch
    {
        PowerPcMmu.Hash => "hash",
        PowerPcMmu.Radix => "radix",
        _ => "8xx",
    };

    internal static string PageName(int pageShift) => $"{1 << (pageShift - 10)}k";

    /// <exception cref="ArgumentException">An unknown option or value, or a page size the MMU is not built with.</exception>
    public Architecture Create(IReadOnlyDictionary<string, string> options)
    {
        foreach (var name in options.Keys)
            if (name is not (MmuOption or PageOption))
                throw new ArgumentException($"powerpc has no option '{name}'; known options: {MmuOption}, {PageOption}", nameof(options));

        string mmu = Value(options, MmuOption, "hash", MmuValues);
        string page = Value(options, PageOption, "4k", PageValues);
        int pageShift = page switch { "4k" => 12, "16k" => 14, _ => 16 };
        return mmu switch
        {
            "8xx" when pageShift == 16 => throw new ArgumentException(
                $"powerpc {MmuOption}=8xx has no {PageOption}=64k (Kconfig PPC_64K_PAGES depends on 44x || PPC_BOOK3S_64)", nameof(options)),
            "8xx" => new Mpc8xxArchitecture(pageShift),
            _ when pageShift == 14 => throw new ArgumentException(
                $"powerpc {MmuOption}={mmu} has no {PageOption}=16k (Kconfig PPC_16K_PAGES depends on 44x || PPC_8xx)", nameof(options)),
            "radix" => new Book3S64Architecture(PowerPcMmu.Radix, pageShift),
            _ => new Book3S64Architecture(PowerPcMmu.Hash, pageShift),
        };
    }

    private static string Value(IReadOnlyDictionary<string, string> options, string name, string fallback, string[] allowed)
    {
        string value = options.TryGetValue(name, out var given) ? given.Trim().ToLowerInvariant() : fallback;
        if (!allowed.Contains(value))
            throw new ArgumentException(
                $"powerpc option {name}='{value}' is not valid; allowed values: {string.Join(", ", allowed)}", nameof(options));
        return value;
    }
}
