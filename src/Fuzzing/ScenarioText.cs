using System.Globalization;

namespace Pluggable.Fuzzing;

/// <summary>
/// Writes sizes and addresses the way a person would in a scenario: in huge pages or pages when
/// they are whole ones, in hex bytes otherwise.
/// </summary>
internal sealed class ScenarioText(GeneratorProfile profile)
{
    private readonly ulong _page = profile.PageSize;
    private readonly ulong _huge = profile.HugePageSize;
    private readonly bool _hugeUnits = profile.HugeShapes;

    public string Size(ulong bytes)
    {
        if (bytes == 0)
            return "0";
        if (_hugeUnits && bytes % _huge == 0)
            return Invariant($"{bytes / _huge}hp");
        if (bytes % _page == 0)
            return Invariant($"{bytes / _page}p");
        return Invariant($"0x{bytes:x}");
    }

    /// <summary>A huge page size as the kernel names its pools: <c>64k</c>, <c>2m</c>, <c>1g</c>.</summary>
    public static string PoolSize(ulong bytes) => bytes switch
    {
        _ when bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 => Invariant($"{bytes >> 30}g"),
        _ when bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 => Invariant($"{bytes >> 20}m"),
        _ when bytes % (1UL << 10) == 0 => Invariant($"{bytes >> 10}k"),
        _ => Invariant($"0x{bytes:x}"),
    };

    /// <summary><c>a</c>, <c>a+3p</c>, <c>a+1hp+2p</c> or <c>a+0x10</c>.</summary>
    public string Address(string label, ulong offset)
    {
        if (offset == 0)
            return label;
        if (offset % _page != 0)
            return Invariant($"{label}+0x{offset:x}");
        ulong huge = _hugeUnits ? offset / _huge : 0;
        ulong pages = (offset - huge * _huge) / _page;
        return (huge, pages) switch
        {
            (0, _) => Invariant($"{label}+{pages}p"),
            (_, 0) => Invariant($"{label}+{huge}hp"),
            _ => Invariant($"{label}+{huge}hp+{pages}p"),
        };
    }

    public static string Byte(byte value) => Invariant($"0x{value:x2}");

    public static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
