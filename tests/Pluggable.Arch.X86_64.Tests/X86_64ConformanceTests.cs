using Pluggable.Arch.Testing;
using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64.Tests;

public sealed class X86_64ConformanceTests : ArchitectureConformanceTests
{
    protected override IArchitecturePlugin Plugin { get; } = new X86_64Plugin();
}
