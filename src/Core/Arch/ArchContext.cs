namespace Pluggable.Core.Arch;

/// <summary>
/// What a hook may touch besides its arguments: the trace (to add architecture detail, such as
/// the TLBI operand on arm64) and the per-frame architecture flag (PG_arch_1, "dcache clean").
/// </summary>
public abstract class ArchContext
{
    public abstract ITraceSink Trace { get; }

    /// <summary>Kernel: test_bit(PG_arch_1, &folio->flags).</summary>
    public abstract bool GetArchFlag(ulong pfn);

    /// <summary>Kernel: set_bit / clear_bit(PG_arch_1, &folio->flags).</summary>
    public abstract void SetArchFlag(ulong pfn, bool value);

    /// <summary>Adds an architecture-specific line under the hook being traced.</summary>
    public void Note(string hook, string detail)
    {
        if (Trace.Enabled)
            Trace.Record(TraceEvent.Note(hook, detail));
    }
}
