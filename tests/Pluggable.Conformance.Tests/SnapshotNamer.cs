using ApprovalTests.Core;

namespace Pluggable.Conformance.Tests;

/// <summary>Names snapshots <c>&lt;directory&gt;/&lt;scenario&gt;.&lt;configuration&gt;.approved.txt</c> (tests/snapshots for in-tree plugins).</summary>
internal sealed class SnapshotNamer(string directory, string scenario, string configuration) : IApprovalNamer
{
    public string SourcePath => directory;

    public string Name => $"{scenario}.{configuration}";
}
