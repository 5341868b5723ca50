using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;

namespace Pluggable.Arch.Arm64.Tests;

public sealed class Arm64ConformanceTests : ArchitectureConformanceTests
{
    protected override IArchitecturePlugin Plugin { get; } = new Arm64Plugin();
}
