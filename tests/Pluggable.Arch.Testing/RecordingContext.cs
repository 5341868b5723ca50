using Pluggable.Core.Arch;

namespace Pluggable.Arch.Testing;

/// <summary>An <see cref="ArchContext"/> that keeps every traced event and the per-frame arch flag in memory.</summary>
public sealed class RecordingContext(bool tracing = true) : ArchContext, ITraceSink
{
    private readonly HashSet<ulong> _archFlags = [];

    public List<TraceEvent> Events { get; } = [];

    public override ITraceSink Trace => this;

    public bool Enabled => tracing;

    public void Record(in TraceEvent e) => Events.Add(e);

    public override bool GetArchFlag(ulong pfn) => _archFlags.Contains(pfn);

    public override void SetArchFlag(ulong pfn, bool value)
    {
        if (value)
            _archFlags.Add(pfn);
        else
            _archFlags.Remove(pfn);
    }
}
