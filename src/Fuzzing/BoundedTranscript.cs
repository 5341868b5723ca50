using System.Globalization;
using System.Text;

namespace Pluggable.Fuzzing;

/// <summary>
/// A run's output as the search keeps it: the first <see cref="HeadChars"/> characters and the
/// last <see cref="TailChars"/>, with a line in between that says how much was left out. A
/// scenario may print without bound (a <c>pagemap</c> of millions of alternating pages is one line
/// of hundreds of megabytes), and the search holds, sends and compares every transcript; the end
/// line, which the judge reads, is always kept.
/// </summary>
public sealed class BoundedTranscript : TextWriter
{
    public const int HeadChars = 1 << 20;
    public const int TailChars = 1 << 16;

    private readonly StringBuilder _head = new();
    private readonly char[] _tail = new char[TailChars];
    private long _tailWritten;

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (_head.Length < HeadChars)
        {
            _head.Append(value);
            return;
        }
        _tail[_tailWritten % TailChars] = value;
        _tailWritten++;
    }

    public override void Write(string? value)
    {
        if (value is null)
            return;
        int intoHead = Math.Min(value.Length, HeadChars - _head.Length);
        _head.Append(value, 0, intoHead);
        for (int i = intoHead; i < value.Length; i++)
            Write(value[i]);
    }

    public override string ToString()
    {
        if (_tailWritten <= TailChars)
            return _head.ToString() + new string(_tail, 0, (int)_tailWritten);
        var tail = new char[TailChars];
        int start = (int)(_tailWritten % TailChars);
        Array.Copy(_tail, start, tail, 0, TailChars - start);
        Array.Copy(_tail, 0, tail, TailChars - start, start);
        var kept = new string(tail);
        // The kept tail starts at a line of its own, so that what is left out is whole lines where it can be.
        int newline = kept.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0)
            kept = kept[(newline + 1)..];
        long omitted = _tailWritten - kept.Length;
        return string.Create(CultureInfo.InvariantCulture,
            $"{_head}\n[fuzz: {omitted} characters of output not kept]\n{kept}");
    }
}
