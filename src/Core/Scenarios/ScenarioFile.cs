using System.Buffers;
using System.Text;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// Reads a scenario file for a runner (Lexical rules: UTF-8 text). What it reads is bounded: a file
/// larger than <see cref="MaxBytes"/>, or a device that never ends, is refused after that many
/// bytes; bytes that are not UTF-8 are refused with the line and column of the first one, once,
/// rather than turned into replacement characters that would fail later on every line.
/// </summary>
public static class ScenarioFile
{
    /// <summary>16 MiB: far beyond any scenario written by hand or generated, small enough to parse at once.</summary>
    public const int MaxBytes = 16 << 20;

    private static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text of <paramref name="path"/>, or what is wrong with the file.</summary>
    public static bool TryRead(string path, out string text, out ScenarioFileError? error)
    {
        text = "";
        byte[] bytes;
        int length;
        try
        {
            if (Directory.Exists(path))
                throw new IOException("is a directory");
            (bytes, length) = ReadBounded(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string reason = ReadFailure(e);
            error = new ScenarioFileError($"error: cannot read '{path}': {reason}", $"cannot read: {reason}");
            return false;
        }

        try
        {
            // A binary file is said to be one even when it is also too large (/dev/urandom).
            var content = bytes.AsSpan(0, Math.Min(length, MaxBytes));
            if (NotUtf8(path, content, truncated: length > MaxBytes) is { } notText)
            {
                error = notText;
                return false;
            }
            if (length > MaxBytes)
            {
                string reason = $"expected a scenario of at most {MaxBytes >> 20} MiB, found a larger file";
                error = new ScenarioFileError($"{path}: error: {reason}", reason);
                return false;
            }
            text = Utf8Strict.GetString(content);
            error = null;
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>At most <see cref="MaxBytes"/> + 1 bytes, so that an oversized file is known as such without reading it all.</summary>
    private static (byte[] Buffer, int Length) ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
        int length = 0;
        try
        {
            while (length <= MaxBytes)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                int read = stream.Read(buffer, length, Math.Min(buffer.Length, MaxBytes + 1) - length);
                if (read == 0)
                    break;
                length += read;
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Where the first byte that is not UTF-8 is (<c>FILE:LINE:COL: error: expected UTF-8 text,
    /// found byte 0xNN</c>), or null for UTF-8 text. A sequence cut by the end of a
    /// <paramref name="truncated"/> read is not held against the file.
    /// </summary>
    private static ScenarioFileError? NotUtf8(string path, ReadOnlySpan<byte> content, bool truncated)
    {
        if (System.Text.Unicode.Utf8.IsValid(content))
            return null;
        int line = 1;
        int column = 1;
        int at = 0;
        OperationStatus status;
        while ((status = Rune.DecodeFromUtf8(content[at..], out _, out int length)) == OperationStatus.Done)
        {
            if (content[at] == (byte)'\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
            at += length;
        }
        if (status == OperationStatus.NeedMoreData && truncated)
            return null;
        string reason = $"expected UTF-8 text, found byte 0x{content[at]:X2} (is this a binary file?)";
        return new ScenarioFileError($"{path}:{line}:{column}: error: {reason}", $"line {line}: {reason}");
    }

    private static string ReadFailure(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}

/// <summary>Why a file could not be taken as a scenario: the line for stderr, and the reason alone for a summary.</summary>
public sealed record ScenarioFileError(string Line, string Reason);
