using System.Globalization;
using Pluggable.Core.Arch;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Emulator;

/// <summary>
/// Collects hook calls while <c>trace on</c> and renders them as the command's continuation lines,
/// with label-relative addresses and the architecture's names for the bits of every raw word.
/// A command keeps the first <see cref="DetailLimit.Lines"/> calls and counts the rest, as a
/// fixed-size trace buffer would: populating a terabyte makes tens of millions of calls, and the
/// process must not grow with them.
/// </summary>
public sealed class TraceRecorder : ITraceSink
{
    private readonly List<TraceEvent> _events = [];
    private readonly IEntryCodec _codec;
    private long _dropped;

    public TraceRecorder(IEntryCodec codec) => _codec = codec;

    public bool Enabled { get; set; }

    public void Record(in TraceEvent e)
    {
        if (_events.Count < DetailLimit.Lines)
            _events.Add(e);
        else
            _dropped++;
    }

    /// <summary>Renders and forgets what was recorded since the last call.</summary>
    public List<string>? Drain(IAddressFormatter? formatter)
    {
        if (_events.Count == 0)
            return null;
        var lines = new List<string>(_events.Count + 1);
        foreach (var e in _events)
            lines.Add(Render(e, formatter));
        if (_dropped > 0)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"... {_dropped} more hook calls not shown (a command's trace keeps its first {DetailLimit.Lines})"));
        _events.Clear();
        _dropped = 0;
        return lines;
    }

    private string Render(in TraceEvent e, IAddressFormatter? formatter)
    {
        string Addr(ulong a) => formatter?.Format(a) ?? "0x" + a.ToString("x", CultureInfo.InvariantCulture);
        string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
        if (e.Detail is not null)
            return $"  {e.Hook}: {e.Detail}";
        string level = e.Level.KernelName();
        return e.Hook switch
        {
            "set_pte_at" or "set_pmd_at" or "set_pud_at" or "set_p4d" or "set_pgd" or "set_huge_pte_at" or "hugepd_populate"
                => $"{e.Hook} {level} {Addr(e.Address)} {Hex(e.Raw)} [{_codec.Describe(e.Level, e.Raw)}]",
            "ptep_get_and_clear" or "pmdp_huge_get_and_clear" or "pudp_huge_get_and_clear" or "huge_ptep_get_and_clear"
                => $"{e.Hook} {level} {Addr(e.Address)} was {Hex(e.Raw)}",
            "pgd_populate" or "p4d_populate" or "pud_populate" or "pmd_populate"
                => $"{e.Hook} {level} {Addr(e.Address)} {Hex(e.Raw)} -> table pfn={Hex(e.Pfn)}",
            "pgtable_alloc" or "pgtable_free" or "hugepte_alloc" or "hugepte_free" => $"{e.Hook} {level} pfn={Hex(e.Pfn)}",
            "flush_tlb_page" => $"flush_tlb_page {Addr(e.Address)}",
            "flush_tlb_range" => $"flush_tlb_range {Addr(e.Address)}..{Addr(e.End)}",
            "flush_tlb_mm" => "flush_tlb_mm",
            "flush_dcache_folio" => $"flush_dcache_folio pfn={Hex(e.Pfn)}",
            "update_mmu_cache" => $"update_mmu_cache {level} {Addr(e.Address)}",
            "my_zero_pfn" => $"my_zero_pfn {Addr(e.Address)} -> pfn={Hex(e.Pfn)}",
            _ => $"{e.Hook} {Addr(e.Address)}",
        };
    }
}
