using Pluggable.Core.Arch;

namespace Pluggable.Arch.Testing;

/// <summary>
/// Finds out what a codec can represent by trying it: which flags survive a round trip, how wide the
/// frame and swap fields are. These are the defaults of <see cref="ArchitectureConformanceTests"/>;
/// a plugin's own tests can pin the results to what the architecture manual says.
/// </summary>
public static class CodecProbe
{
    public static IReadOnlyList<EntryFlags> AllFlags { get; } =
        Enum.GetValues<EntryFlags>().Where(f => f != EntryFlags.None).ToArray();

    /// <summary>Whether <paramref name="entry"/> encodes to a non-zero word that decodes back to exactly itself.</summary>
    public static bool RoundTrips(IEntryCodec codec, PageLevel level, PageEntry entry)
    {
        try
        {
            ulong raw = codec.Encode(level, entry);
            return raw != 0 && codec.Decode(level, raw) == entry;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Each flag is kept if it round-trips alone on top of <paramref name="baseEntry"/>; each pair of
    /// kept flags that does not round-trip together is a conflict.
    /// </summary>
    public static FlagSupport Flags(IEntryCodec codec, PageLevel level, PageEntry baseEntry)
    {
        var optional = AllFlags
            .Where(f => !baseEntry.Has(f) && RoundTrips(codec, level, baseEntry.With(f)))
            .ToArray();
        var conflicts = new List<EntryFlags>();
        for (int i = 0; i < optional.Length; i++)
            for (int j = i + 1; j < optional.Length; j++)
                if (!RoundTrips(codec, level, baseEntry.With(optional[i] | optional[j])))
                    conflicts.Add(optional[i] | optional[j]);
        var mask = optional.Aggregate(EntryFlags.None, (all, f) => all | f);
        return new FlagSupport(baseEntry.Flags, mask, conflicts);
    }

    /// <summary>
    /// The largest frame <paramref name="make"/> round-trips, assuming a contiguous field that starts at
    /// the bit of <paramref name="alignment"/> (a power of two); 0 when even that bit is lost.
    /// </summary>
    public static ulong MaxFrame(IEntryCodec codec, PageLevel level, Func<ulong, PageEntry> make, ulong alignment = 1)
    {
        ulong max = 0;
        for (int bit = System.Numerics.BitOperations.TrailingZeroCount(alignment); bit < 64; bit++)
        {
            if (!RoundTrips(codec, level, make(1UL << bit)))
                break;
            max |= 1UL << bit;
        }

        return max;
    }

    /// <summary>
    /// The widest swap type and offset that round-trip. The all-ones offset is given up when it does not
    /// round-trip itself, as on x86_64 where it would encode as an empty word.
    /// </summary>
    public static (byte MaxType, ulong MaxOffset) SwapLimits(IEntryCodec codec, PageLevel level)
    {
        byte maxType = 0;
        for (int bit = 0; bit < 8 && RoundTrips(codec, level, PageEntry.SwapEntry((byte)(1 << bit), 1, EntryFlags.None)); bit++)
            maxType |= (byte)(1 << bit);
        ulong maxOffset = MaxFrame(codec, level, o => PageEntry.SwapEntry(0, o, EntryFlags.None));
        if (maxOffset != 0 && !RoundTrips(codec, level, PageEntry.SwapEntry(0, maxOffset, EntryFlags.None)))
            maxOffset--;
        return (maxType, maxOffset);
    }
}
