namespace Pluggable.Core.Arch;

/// <summary>
/// Translates between the raw words the tables hold and <see cref="PageEntry"/>. Encode/decode
/// must round-trip every entry the architecture can represent, at every unfolded level.
/// </summary>
/// Kernel: pfn_pte()/pte_pfn(), pte_mk*/pte_* tests, __swp_entry()/__pte_to_swp_entry(), is_hugepd().
public interface IEntryCodec
{
    ulong Encode(PageLevel level, in PageEntry entry);

    PageEntry Decode(PageLevel level, ulong raw);

    /// <summary>The raw word's set bits by their architecture names, for <c>dump</c> (e.g. "P RW U A D NX").</summary>
    string Describe(PageLevel level, ulong raw);
}
