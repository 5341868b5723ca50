using System.Globalization;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// How an expectation (<c>=&gt; TEXT</c>) is compared with a result. The texts are equal word for
/// word, except that an expected word written as a size in an architecture's units (<c>2p</c>,
/// <c>1hp</c>, <c>1pmd</c>) matches the decimal byte count it stands for on the selected
/// architecture: <c>copy u a src 2p =&gt; 2p</c> holds where the kernel reports 8192 bytes
/// (4K pages) and where it reports 32768 (16K pages), so the line needs no architecture pin.
/// </summary>
internal static class ExpectationText
{
    public static bool Holds(string expected, string actual, BackendFacts facts)
    {
        if (expected == actual)
            return true;
        var want = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var got = actual.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (want.Length != got.Length)
            return false;
        for (int i = 0; i < want.Length; i++)
        {
            if (want[i] != got[i] && !SameBytes(want[i], got[i], facts))
                return false;
        }
        return true;
    }

    /// <summary>A size the way <c>needs</c> lines write it: <c>4k</c>, <c>2m</c>, <c>1g</c>, else bytes.</summary>
    public static string SizeName(ulong bytes) => bytes switch
    {
        0 => "0",
        _ when bytes % (1UL << 30) == 0 => $"{bytes >> 30}g",
        _ when bytes % (1UL << 20) == 0 => $"{bytes >> 20}m",
        _ when bytes % (1UL << 10) == 0 => $"{bytes >> 10}k",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };

    private static bool SameBytes(string expected, string actual, BackendFacts facts)
    {
        if (!ulong.TryParse(actual, NumberStyles.None, CultureInfo.InvariantCulture, out ulong bytes))
            return false;
        if (expected.Length < 2 || !char.IsAsciiDigit(expected[0]) || char.IsAsciiDigit(expected[^1]))
            return false;
        SizeExpr size;
        try
        {
            size = ValueScanner.Size(new Token(expected, 1, 1));
        }
        catch (ParseErrorException)
        {
            return false;
        }
        if (size.Unit is not (SizeUnit.Pages or SizeUnit.HugePages or SizeUnit.PmdSizes))
            return false;
        try
        {
            return size.Resolve(facts) == bytes;
        }
        catch (ScriptErrorException)
        {
            return false;
        }
    }
}
