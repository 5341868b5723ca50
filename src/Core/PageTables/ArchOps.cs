using Pluggable.Core.Arch;
using Pluggable.Core.Physical;

namespace Pluggable.Core.PageTables;

/// <summary>
/// The single door from generic code to the plugin's hooks: every call is recorded in the trace
/// sink (when it listens) under the kernel's name for the operation, then handed to the plugin.
/// </summary>
public sealed class ArchOps : ArchContext
{
    private readonly PhysicalMemory _memory;
    private PageLevel _lastEncodedLevel = (PageLevel)byte.MaxValue;
    private PageEntry _lastEncoded;
    private ulong _lastEncodedRaw;

    public ArchOps(Architecture arch, PhysicalMemory memory)
    {
        Arch = arch;
        _memory = memory;
        RepeatedRunShift = new int[PageLevels.Count];
        foreach (var size in arch.HugePageSizes)
            if (size.Placement == HugePlacement.ContiguousRun && !size.RunAdvancesFrame)
                RepeatedRunShift[(int)size.Level] = size.Shift;
    }

    public Architecture Arch { get; }

    /// <summary>
    /// Per level, the span of the run whose slots all repeat the head's frame (RISC-V Svnapot), or 0:
    /// a walk that meets a slot of such a run maps the address by its offset in the whole run, and
    /// by its offset in the slot otherwise, whatever shift the codec decodes (ArchitectureValidator
    /// allows one such run per level).
    /// </summary>
    public int[] RepeatedRunShift { get; }

    public IEntryCodec Codec => Arch.Codec;

    public PageGeometry Geometry => Arch.Geometry;

    public ITraceSink Sink { get; set; } = NullTraceSink.Instance;

    public override ITraceSink Trace => Sink;

    public override bool GetArchFlag(ulong pfn) => (_memory[pfn].Flags & PageFlags.Arch1) != 0;

    public override void SetArchFlag(ulong pfn, bool value)
    {
        ref var d = ref _memory[pfn];
        d.Flags = value ? d.Flags | PageFlags.Arch1 : d.Flags & ~PageFlags.Arch1;
    }

    /// <summary>Records a generic event (table allocation, zero-page choice) that is not a plugin hook.</summary>
    public void Record(string hook, PageLevel level, ulong address, ulong raw, ulong pfn, string? detail = null)
    {
        if (Sink.Enabled)
            Sink.Record(new TraceEvent(hook, level, address, 0, raw, pfn, detail));
    }

    /// <summary>Kernel: set_pte_at()/set_pmd_at()/set_pud_at(); returns the raw word to store.</summary>
    public ulong PrepareSet(PageLevel level, ulong address, in PageEntry entry)
    {
        var prepared = Arch.PrepareSetEntry(this, level, address, entry);
        // Runs of faults write one entry over and over (the zero page over a read-only range): the
        // codec is a pure function, so the last word is reused for the same entry.
        if (level != _lastEncodedLevel || prepared != _lastEncoded)
        {
            _lastEncodedRaw = Codec.Encode(level, prepared);
            _lastEncoded = prepared;
            _lastEncodedLevel = level;
        }
        return _lastEncodedRaw;
    }

    public void FlushTlbPage(ulong address)
    {
        if (Sink.Enabled)
            Sink.Record(new TraceEvent("flush_tlb_page", PageLevel.Pte, address, 0, 0, 0, null));
        Arch.FlushTlbPage(this, address);
    }

    public void FlushTlbRange(ulong start, ulong end, int strideShift)
    {
        if (Sink.Enabled)
            Sink.Record(new TraceEvent("flush_tlb_range", PageLevel.Pte, start, end, 0, 0, null));
        Arch.FlushTlbRange(this, start, end, strideShift);
    }

    public void FlushTlbMm()
    {
        if (Sink.Enabled)
            Sink.Record(new TraceEvent("flush_tlb_mm", PageLevel.Pte, 0, 0, 0, 0, null));
        Arch.FlushTlbMm(this);
    }

    public void FlushDcachePage(ulong pfn)
    {
        if (Sink.Enabled)
            Sink.Record(new TraceEvent("flush_dcache_folio", PageLevel.Pte, 0, 0, 0, pfn, null));
        Arch.FlushDcachePage(this, pfn);
    }

    public void UpdateMmuCache(ulong address, PageLevel level, in PageEntry entry)
    {
        if (Sink.Enabled)
            Sink.Record(new TraceEvent("update_mmu_cache", level, address, 0, 0, entry.Frame, null));
        Arch.UpdateMmuCache(this, address, level, entry);
    }
}
