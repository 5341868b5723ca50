using System.Globalization;
using System.Text.RegularExpressions;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// How an expectation (<c>=&gt; TEXT</c>) is compared with a result. The texts are equal word for
/// word, except that an expected word written as a size with a unit (<c>2p</c>, <c>1hp</c>,
/// <c>1pmd</c>, <c>2m</c>) matches the decimal byte count it stands for on the selected
/// architecture: <c>copy u a src 2p =&gt; 2p</c> holds where the kernel reports 8192 bytes
/// (4K pages) and where it reports 32768 (16K pages), so the line needs no architecture pin.
/// Likewise an expected address <c>LABEL+SIZE...</c> matches the address the result prints for
/// the same label and byte offset (<c>a+2m</c> is printed <c>a+512p</c> with 4K pages, <c>a+128p</c> with 16K).
/// Where the kernel answers differently on an architecture, the line says so with alternatives:
/// <c>=&gt; ok ioctls=wake,copy || powerpc: EINVAL</c> (the first text everywhere else); an
/// alternative may name a configuration too, <c>|| powerpc:mmu=8xx: ENOMEM</c>.
/// </summary>
internal static partial class ExpectationText
{
    private const string Separator = " || ";

    /// <summary><c>ARCH[:OPTION=VALUE,...]: </c> at the start of an alternative; the result may hold colons of its own.</summary>
    [GeneratedRegex(@"^\s*(?<arch>linux(?:<=|>=|<|>|=)\d+\.\d+|[A-Za-z][A-Za-z0-9_-]*(?::(?:[A-Za-z0-9_]+=[A-Za-z0-9_]+|linux(?:<=|>=|<|>|=)\d+\.\d+)(?:,(?:[A-Za-z0-9_]+=[A-Za-z0-9_]+|linux(?:<=|>=|<|>|=)\d+\.\d+))*)?):\s+(?<result>\S.*)$")]
    private static partial Regex Alternative();

    public static bool Holds(string expected, string actual, BackendFacts facts)
    {
        expected = ForArchitecture(expected, facts);
        if (expected == actual)
            return true;
        var want = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var got = actual.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (want.Length != got.Length)
            return false;
        for (int i = 0; i < want.Length; i++)
        {
            if (want[i] != got[i] && !SameBytes(want[i], got[i], facts) && !SameAddress(want[i], got[i], facts) && !SameIoctls(want[i], got[i], facts))
                return false;
        }
        return true;
    }

    /// <summary>
    /// An expected <c>ioctls=</c> list names the ioctls of the newest release; on an older one the
    /// ioctls it does not have yet are not expected (UFFDIO_POISON came in 6.6, UFFDIO_MOVE in 6.8),
    /// so that one register line holds on every release.
    /// </summary>
    private static bool SameIoctls(string want, string got, BackendFacts facts)
    {
        const string prefix = "ioctls=";
        if (facts.Kernel is not { } kernel || !want.StartsWith(prefix, StringComparison.Ordinal) || !got.StartsWith(prefix, StringComparison.Ordinal))
            return false;
        var known = Kernel.KernelBehaviour.RangeIoctlNames(kernel);
        var expected = want[prefix.Length..].Split(',').Where(name => known.Contains(name));
        return string.Join(',', expected) == got[prefix.Length..];
    }

    /// <summary>The text the expectation holds for the selected architecture: its alternative, else the first.</summary>
    public static string ForArchitecture(string expected, BackendFacts facts)
    {
        if (!expected.Contains(Separator, StringComparison.Ordinal))
            return expected;
        var parts = expected.Split(Separator);
        for (int i = 1; i < parts.Length; i++)
        {
            var match = Alternative().Match(parts[i]);
            if (ScenarioInterpreter.ArchMatches(match.Groups["arch"].Value, facts))
                return match.Groups["result"].Value.Trim();
        }
        return parts[0].Trim();
    }

    /// <summary>What is wrong with an expectation's alternatives (each <c>ARCH: TEXT</c> after the first), or null.</summary>
    public static string? Malformed(string expected)
    {
        if (expected.StartsWith("||", StringComparison.Ordinal))
            return "a result before '||'";
        if (!expected.Contains(Separator, StringComparison.Ordinal))
            return null;
        var parts = expected.Split(Separator);
        if (parts[0].Trim().Length == 0)
            return "a result before '||'";
        for (int i = 1; i < parts.Length; i++)
        {
            if (!Alternative().IsMatch(parts[i]))
                return "an alternative 'ARCH: RESULT' or 'ARCH:OPTION=VALUE: RESULT' after '||'";
        }
        return null;
    }

    private static bool SameBytes(string expected, string actual, BackendFacts facts)
    {
        if (!ulong.TryParse(actual, NumberStyles.None, CultureInfo.InvariantCulture, out ulong bytes))
            return false;
        if (expected.Length < 2 || char.IsAsciiDigit(expected[^1]))
            return false;
        return Bytes(expected, facts) == bytes;
    }

    /// <summary><c>LABEL+SIZE[+SIZE...]</c> on both sides, the same label, the same offset in bytes.</summary>
    private static bool SameAddress(string expected, string actual, BackendFacts facts)
    {
        int plus = expected.IndexOf('+');
        if (plus <= 0 || !char.IsAsciiLetter(expected[0]) || !actual.StartsWith(expected[..(plus + 1)], StringComparison.Ordinal))
            return false;
        ulong? want = Offset(expected[(plus + 1)..], facts), got = Offset(actual[(plus + 1)..], facts);
        return want is not null && want == got;
    }

    private static ulong? Offset(string terms, BackendFacts facts)
    {
        ulong total = 0;
        foreach (var term in terms.Split('+'))
        {
            if (Bytes(term, facts) is not { } bytes)
                return null;
            total += bytes;
        }
        return total;
    }

    /// <summary>The bytes a SIZE word stands for on the selected architecture; null when it is no size, or has no value there.</summary>
    private static ulong? Bytes(string word, BackendFacts facts)
    {
        if (word.Length == 0 || !char.IsAsciiDigit(word[0]))
            return null;
        try
        {
            return ValueScanner.Size(new Token(word, 1, 1)).Resolve(facts);
        }
        catch (Exception e) when (e is ParseErrorException or ScriptErrorException)
        {
            return null;
        }
    }
}
