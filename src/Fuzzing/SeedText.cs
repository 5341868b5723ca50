using System.Globalization;

namespace Pluggable.Fuzzing;

/// <summary>Seeds as people type and read them: decimal or <c>0x</c> hex in, 16 hex digits out.</summary>
public static class SeedText
{
    public static string Format(ulong seed) => $"0x{seed:x16}";

    public static bool TryParse(string? text, out ulong seed)
    {
        seed = 0;
        string t = text?.Trim() ?? "";
        if (t.Length == 0)
            return false;
        bool hex = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return ulong.TryParse(hex ? t[2..] : t, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out seed);
    }

    /// <summary>A seed nobody chose: a new search each time.</summary>
    public static ulong Fresh() => (ulong)Random.Shared.NextInt64() ^ ((ulong)Environment.TickCount64 << 32);
}
