using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pluggable.HostKernel;

/// <summary>
/// The lock every process of the project takes before it runs anything on the machine's kernel:
/// flock(2) exclusive on one file, so that two runs never interleave changes of machine-wide
/// settings (hugetlb pools, THP policy) or see each other's. The file also records who holds it
/// and the settings to put back: a holder that dies without restoring them (SIGKILL) leaves the
/// record behind, and the next holder restores from it.
/// </summary>
/// <remarks>
/// Format, one entry a line: <c>holder PID</c>, then <c>restore PATH VALUE</c> for every setting
/// changed and not yet restored. The lock is advisory: only what honours it is excluded.
/// </remarks>
internal sealed class MachineLock : IDisposable
{
    public const string DefaultPath = "/run/lock/pluggable-machine.lock";

    private readonly SafeFileHandle _file;

    private MachineLock(string path, SafeFileHandle file, int fd, int? previousHolder, IReadOnlyList<(string Path, string Value)> leftovers)
    {
        Path = path;
        _file = file;
        Descriptor = fd;
        PreviousHolder = previousHolder;
        Leftovers = leftovers;
    }

    public string Path { get; }

    /// <summary>The locked descriptor; a process that inherits it keeps the lock held while it lives.</summary>
    public int Descriptor { get; }

    /// <summary>The settings a previous holder changed and did not restore, from its record.</summary>
    public IReadOnlyList<(string Path, string Value)> Leftovers { get; }

    /// <summary>The pid the leftovers' record names, when it names one.</summary>
    public int? PreviousHolder { get; }

    /// <summary>
    /// Waits for the lock (as long as it takes), telling <paramref name="notices"/> once, after
    /// <paramref name="noticeAfter"/>, which process holds it.
    /// </summary>
    /// <exception cref="IOException">The lock file cannot be opened or locked.</exception>
    public static MachineLock Acquire(string path, TextWriter notices, TimeSpan noticeAfter)
    {
        int fd = NativeMethods.Open(path, NativeMethods.ORdwr | NativeMethods.OCreat | NativeMethods.ONofollow | NativeMethods.OCloexec, 0b110_100_100);
        if (fd < 0)
            throw new IOException($"cannot open the machine lock {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            WaitFor(path, file, fd, notices, noticeAfter);
            var (holder, leftovers) = Parse(ReadAll(file));
            var taken = new MachineLock(path, file, fd, holder, leftovers);
            taken.Record([]);
            return taken;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Rewrites the record: this process holds the lock, and these settings are to be put back.</summary>
    public void Record(IEnumerable<(string Path, string Value)> originals)
    {
        var text = new StringBuilder().Append("holder ").Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (path, value) in originals)
            text.Append("restore ").Append(path).Append(' ').Append(value).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        RandomAccess.Write(_file, bytes, 0);
        RandomAccess.SetLength(_file, bytes.Length);
    }

    /// <summary>Empties the record and lets the next process in, also where children inherited the descriptor.</summary>
    public void Dispose()
    {
        if (_file.IsClosed)
            return;
        RandomAccess.SetLength(_file, 0);
        NativeMethods.Flock(Descriptor, NativeMethods.LockUn);
        _file.Dispose();
    }

    /// <summary>The holder and the restore entries of a record; malformed lines are ignored.</summary>
    internal static (int? Holder, IReadOnlyList<(string Path, string Value)> Restore) Parse(string text)
    {
        int? holder = null;
        var restore = new List<(string, string)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["holder", var pid] && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int p))
                holder = p;
            else if (words is ["restore", var path, var value])
                restore.Add((path, value));
        }
        return (holder, restore);
    }

    /// <summary>Who holds the lock, as a waiter names it: the recorded pid and its command line.</summary>
    internal static string DescribeHolder(string record)
    {
        if (Parse(record).Holder is not { } pid)
            return "another process";
        string cmdline;
        try
        {
            cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"pid {pid}, which has ended (its scenario's processes still hold the lock while they exit)";
        }
        const int shown = 160;
        if (cmdline.Length > shown)
            cmdline = cmdline[..shown] + " ...";
        return cmdline.Length == 0 ? $"pid {pid}" : $"pid {pid} ({cmdline})";
    }

    /// <summary>
    /// Blocks in flock(2) itself, so that the kernel hands the lock over as soon as it is free (a
    /// holder running file after file releases it only for a moment); a timer tells the wait.
    /// </summary>
    private static void WaitFor(string path, SafeFileHandle file, int fd, TextWriter notices, TimeSpan noticeAfter)
    {
        if (NativeMethods.Flock(fd, NativeMethods.LockEx | NativeMethods.LockNb) == 0)
            return;
        ThrowUnlessBusy(path, Marshal.GetLastPInvokeError());
        var waited = Stopwatch.StartNew();
        bool told = false;
        var notice = new Timer(_ =>
        {
            notices.WriteLine($"pluggable: waiting for the machine lock {path}, held by {DescribeHolder(ReadAll(file))}");
            notices.Flush();
            told = true;
        }, null, noticeAfter, Timeout.InfiniteTimeSpan);
        try
        {
            const int eintr = 4;
            while (NativeMethods.Flock(fd, NativeMethods.LockEx) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != eintr)
                    throw new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            // The notice, if under way, is written before the wait's end is.
            using var callbacksDone = new ManualResetEvent(false);
            if (notice.Dispose(callbacksDone))
                callbacksDone.WaitOne();
        }
        if (told)
        {
            notices.WriteLine($"pluggable: took the machine lock after {waited.Elapsed.TotalSeconds:0.0} s");
            notices.Flush();
        }
    }

    private static void ThrowUnlessBusy(string path, int errno)
    {
        const int ewouldblock = 11;
        if (errno != ewouldblock)
            throw new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static string ReadAll(SafeFileHandle file)
    {
        var buffer = new byte[4096];
        int n = RandomAccess.Read(file, buffer, 0);
        return Encoding.UTF8.GetString(buffer, 0, Math.Max(n, 0));
    }
}
