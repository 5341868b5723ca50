using Pluggable.Core;

namespace Pluggable.HostKernel;

/// <summary>The /proc and /sys files of the kernel a run uses, as the backend reads and writes them.</summary>
internal interface IKernelFiles
{
    /// <summary>The file's text, or null when it cannot be read.</summary>
    string? Read(string path);

    /// <summary>Writes the whole text; the errno the kernel answered.</summary>
    Errno Write(string path, string text);
}

/// <summary>This machine's files.</summary>
internal sealed class LocalFiles : IKernelFiles
{
    public static readonly LocalFiles Instance = new();

    public string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public Errno Write(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text);
            return Errno.None;
        }
        catch (UnauthorizedAccessException)
        {
            return Errno.EACCES;
        }
        catch (IOException e)
        {
            return e.HResult is var code && Enum.IsDefined((Errno)(code & 0xffff)) ? (Errno)(code & 0xffff) : Errno.EINVAL;
        }
    }
}
