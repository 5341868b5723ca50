using ApprovalTests.Core;

namespace Pluggable.Conformance.Tests;

/// <summary>Names snapshots <c>tests/snapshots/&lt;scenario&gt;.&lt;configuration&gt;.approved.txt</c>.</summary>
internal sealed class SnapshotNamer(string scenario, string configuration) : IApprovalNamer
{
    public string SourcePath => RepositoryPaths.Snapshots;

    public string Name => $"{scenario}.{configuration}";
}
