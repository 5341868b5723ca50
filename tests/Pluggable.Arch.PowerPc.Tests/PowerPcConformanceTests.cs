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
