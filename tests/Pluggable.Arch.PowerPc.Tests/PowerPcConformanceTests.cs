using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;

namespace Pluggable.Arch.PowerPc.Tests;

public sealed class PowerPcConformanceTests : ArchitectureConformanceTests
{
    protected override IArchitecturePlugin Plugin { get; } = new PowerPcPlugin();
}

/// <summary>The same suite over every configuration the plugin builds, not only the snapshot ones.</summary>
public sealed class PowerPcAllConfigurationsConformanceTests : ArchitectureConformanceTests
{
    protected override IArchitecturePlugin Plugin { get; } = new AllConfigurations();

    /// <summary>
    /// The 8xx swap word of type 0 and offset 0 is the empty pte (the kernel never stores it), and the
    /// generic generator may pick it, so 8xx swap entries are checked by hand in Mpc8xxTests instead.
    /// </summary>
    protected override IEnumerable<PageLevel> SwapLevels(Architecture arch) =>
        arch is Mpc8xxArchitecture ? [] : base.SwapLevels(arch);

    private sealed class AllConfigurations : IArchitecturePlugin
    {
        private readonly PowerPcPlugin _inner = new();

        public string Name => _inner.Name;
        public IReadOnlyList<string> Aliases => _inner.Aliases;
        public string Description => _inner.Description;
        public IReadOnlyList<ArchOption> Options => _inner.Options;
        public Architecture Create(IReadOnlyDictionary<string, string> options) => _inner.Create(options);

        public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations =>
            PowerPcArchitectureTests.All.Select(c => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
            {
                ["mmu"] = c.Mmu,
                ["page"] = c.Page,
            });
    }
}
