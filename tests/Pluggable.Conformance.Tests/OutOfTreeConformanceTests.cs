using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;

namespace Pluggable.Conformance.Tests;

/// <summary>
/// The plugin conformance suite on the out-of-tree plugin (<see cref="OutOfTreePlugin"/>), loaded
/// as <c>--plugin-dir</c> loads it: what a codec keeps is probed, so the plugin needs no test code.
/// </summary>
public sealed class OutOfTreeConformanceTests : ArchitectureConformanceTests
{
    protected override IArchitecturePlugin Plugin => PluginMatrix.OutOfTree.Plugin;
}
