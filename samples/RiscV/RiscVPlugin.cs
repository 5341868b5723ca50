using Pluggable.Core.Arch;

namespace Pluggable.Arch.RiscV;

/// <summary>Selects riscv64 and its satp translation mode; sv48 is the default, as on most distribution kernels.</summary>
/// Kernel: arch/riscv/mm/init.c set_satp_mode() (boot choice, capped by the no4lvl/no5lvl command line).
public sealed class RiscVPlugin : IArchitecturePlugin
{
    public const string ArchName = "riscv64";
    private const string ModeOption = "mode";
    private static readonly string[] Modes = ["sv39", "sv48"];

    public string Name => ArchName;

    public IReadOnlyList<string> Aliases { get; } = ["riscv"];

    public string Description => "4K pages, Sv39 or Sv48, 2M/1G leaves and 64K Svnapot runs";

    public string ModelledKernel => "Linux 6.18";

    public IReadOnlyList<ArchOption> Options { get; } =
        [new ArchOption(ModeOption, Modes, "sv48", "satp mode: sv39 (3 levels) or sv48 (4 levels)")];

    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
        Modes.Select(m => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { [ModeOption] = m });

    /// <exception cref="ArgumentException">An unknown option or mode.</exception>
    public Architecture Create(IReadOnlyDictionary<string, string> options)
    {
        foreach (var name in options.Keys)
            if (name != ModeOption)
                throw new ArgumentException($"riscv64 has no option '{name}'; known options: {ModeOption}", nameof(options));
        string mode = options.TryGetValue(ModeOption, out var given) ? given.Trim().ToLowerInvariant() : "sv48";
        if (!Modes.Contains(mode))
            throw new ArgumentException($"riscv64 option {ModeOption}='{mode}' is not valid; allowed values: {string.Join(", ", Modes)}", nameof(options));
        return new RiscVArchitecture(mode == "sv39" ? 3 : 4);
    }
}
