namespace Pluggable.Core.Scenarios;

/// <summary>
/// Recognises the typed tokens of the Lexical rules inside a word: NUMBER, SIZE, ADDR, BYTE, names
/// and comma lists. Every failure is a <see cref="ParseErrorException"/> pointing at the offending piece.
/// </summary>
internal static class ValueScanner
{
    private static readonly string[] ByteWords = ["pageidx"];

    /// <summary>Decimal or <c>0x</c> hex, no sign; false on anything else, including overflow.</summary>
    public static bool TryNumber(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            foreach (char c in text[2..])
            {
                int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiHexDigit(c) ? (c | 0x20) - 'a' + 10 : -1;
                if (digit < 0 || value > ulong.MaxValue >> 4)
                    return false;
                value = (value << 4) | (uint)digit;
            }
            return true;
        }
        if (text.Length == 0)
            return false;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
                return false;
            ulong digit = (ulong)(c - '0');
            if (value > (ulong.MaxValue - digit) / 10)
                return false;
            value = value * 10 + digit;
        }
        return true;
    }

    public static ulong Number(Token token, string expected = "a number")
    {
        if (TryNumber(token.Text, out ulong value))
            return value;
        throw ParseErrorException.At(token, expected);
    }

    public static SizeExpr Size(Token token)
    {
        var text = token.Text.AsSpan();
        var (unit, suffix) = text switch
        {
            _ when text.EndsWith("pmd") => (SizeUnit.PmdSizes, 3),
            _ when text.EndsWith("hp") => (SizeUnit.HugePages, 2),
            _ when text.EndsWith("p") => (SizeUnit.Pages, 1),
            _ when text.EndsWith("k") => (SizeUnit.Kib, 1),
            _ when text.EndsWith("m") => (SizeUnit.Mib, 1),
            _ when text.EndsWith("g") => (SizeUnit.Gib, 1),
            _ => (SizeUnit.Bytes, 0),
        };
        if (!TryNumber(text[..^suffix], out ulong number))
            throw ParseErrorException.At(token, "a size");
        int shift = unit switch { SizeUnit.Kib => 10, SizeUnit.Mib => 20, SizeUnit.Gib => 30, _ => 0 };
        if (shift > 0 && number > ulong.MaxValue >> shift)
            throw ParseErrorException.At(token, "a size that fits in 64 bits");
        return new SizeExpr(number, unit, token.Text);
    }

    public static AddressExpr Address(Token token)
    {
        var pieces = token.Split('+');
        if (!IsName(pieces[0].Text, allowAt: false))
            throw ParseErrorException.At(token, "an address");
        var offsets = new List<SizeExpr>(pieces.Count - 1);
        for (int i = 1; i < pieces.Count; i++)
        {
            if (pieces[i].Text.Length == 0)
                throw ParseErrorException.At(token, "an address");
            offsets.Add(Size(pieces[i]));
        }
        return new AddressExpr(pieces[0].Text, offsets, token.Text);
    }

    public static BytePattern Byte(Token token)
    {
        if (token.Text == "pageidx")
            return BytePattern.PageIdx;
        if (TryNumber(token.Text, out ulong value) && value <= 0xff)
            return BytePattern.Constant((byte)value);
        throw ParseErrorException.At(token, "a byte (0xNN or pageidx)", Suggestions.Closest(token.Text, ByteWords));
    }

    /// <summary>Names are <c>[A-Za-z_][A-Za-z0-9_]*</c>; userfaultfd names may also contain <c>@</c>.</summary>
    public static bool IsName(string text, bool allowAt)
    {
        if (text.Length == 0 || !(char.IsAsciiLetter(text[0]) || text[0] == '_'))
            return false;
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowAt && c == '@')))
                return false;
        }
        return true;
    }

    public static string Name(Token token, string expected, bool allowAt = false)
    {
        if (IsName(token.Text, allowAt))
            return token.Text;
        throw ParseErrorException.At(token, expected);
    }

    /// <summary>A comma list of feature names or NUMBERs (raw bits), OR-ed together.</summary>
    public static ulong Features(Token token)
    {
        ulong bits = 0;
        foreach (var element in CommaList(token, "features"))
            bits |= TryNumber(element.Text, out ulong raw) ? raw : Keywords.Features.Parse(element);
        return bits;
    }

    /// <summary>A comma list of <c>missing</c>, <c>wp</c>, <c>minor</c>, <c>none</c>.</summary>
    public static ulong RegisterModes(Token token)
    {
        ulong bits = 0;
        foreach (var element in CommaList(token, "modes"))
            bits |= Keywords.RegisterModes.Parse(element);
        return bits;
    }

    private static List<Token> CommaList(Token token, string what)
    {
        var elements = token.Split(',');
        foreach (var element in elements)
        {
            if (element.Text.Length == 0)
                throw ParseErrorException.At(token, $"a comma list of {what}");
        }
        return elements;
    }
}
