using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Pluggable.HostKernel.Vm;

/// <summary>
/// A QEMU guest and the line protocol to its agent (Native/vm_agent.c, which documents it) over
/// the serial console on QEMU's stdin and stdout: questions answered in turn, and each scenario
/// process's messages routed to its <see cref="VmChannel"/>.
/// </summary>
internal sealed class VmLink : IDisposable
{
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(60);
    private const int KeptLines = 12;

    private readonly Process _qemu;
    private readonly object _writing = new();
    private readonly ConcurrentDictionary<int, VmChannel> _channels = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<string>> _questions = new();
    private readonly TaskCompletionSource<string> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _otherLines = new();
    private readonly Thread _reader;
    private long _nextQuestion;
    private volatile string? _stopped;

    private VmLink(Process qemu, string name)
    {
        _qemu = qemu;
        Name = name;
        _reader = new Thread(ReadLines) { IsBackground = true, Name = $"vm {name} console" };
        _reader.Start();
    }

    public string Name { get; }

    public int PageSize { get; private set; }

    public ulong TaskSize { get; private set; }

    public string Release { get; private set; } = "";

    /// <summary>Starts QEMU with <paramref name="arguments"/> and waits for the agent's hello.</summary>
    /// <exception cref="VmException">QEMU did not start, or the guest did not come up within <paramref name="bootLimit"/>.</exception>
    public static VmLink Boot(string name, IReadOnlyList<string> arguments, TimeSpan bootLimit)
    {
        var info = new ProcessStartInfo(arguments[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.Latin1,
        };
        foreach (var arg in arguments.Skip(1))
            info.ArgumentList.Add(arg);
        Process qemu;
        try
        {
            qemu = Process.Start(info) ?? throw new VmException($"cannot start {arguments[0]}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new VmException($"cannot start {arguments[0]}: {e.Message}");
        }
        var link = new VmLink(qemu, name);
        qemu.ErrorDataReceived += (_, e) => link.Keep(e.Data);
        qemu.BeginErrorReadLine();
        if (!link._hello.Task.Wait(bootLimit) || link._stopped is not null)
        {
            string why = link._stopped ?? $"no answer within {bootLimit.TotalSeconds:0} s";
            link.Dispose();
            throw new VmException($"the {name} guest did not come up: {why}");
        }
        var hello = link._hello.Task.Result.Split(' ', 3);
        link.PageSize = int.Parse(hello[0], CultureInfo.InvariantCulture);
        link.TaskSize = ulong.Parse(hello[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        link.Release = hello.Length > 2 ? hello[2] : "";
        return link;
    }

    /// <summary>Asks the agent; the answer after its id.</summary>
    /// <exception cref="VmException">The guest stopped, or did not answer in time.</exception>
    public string Ask(string question)
    {
        long id = Interlocked.Increment(ref _nextQuestion);
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _questions[id] = answer;
        try
        {
            Write($"Q {id} {question}");
            if (!answer.Task.Wait(AnswerLimit))
                throw new VmException($"the {Name} guest did not answer '{question}' within {AnswerLimit.TotalSeconds:0} s{Diagnosis()}");
            return answer.Task.Result;
        }
        catch (AggregateException e) when (e.InnerException is VmException inner)
        {
            throw inner;
        }
        finally
        {
            _questions.TryRemove(id, out _);
        }
    }

    /// <summary>The channel numbered <paramref name="number"/> by the agent.</summary>
    public VmChannel Channel(int number) => _channels.GetOrAdd(number, n => new VmChannel(this, n));

    /// <summary>Sends a call to a scenario process; 0, or ESRCH when the guest is gone.</summary>
    public unsafe int Send(int channel, HostCallData* call)
    {
        var words = new ReadOnlySpan<ulong>(call, sizeof(HostCallData) / 8);
        var line = new StringBuilder($"C {channel} ");
        for (int i = 0; i < words.Length;)
        {
            if (words[i] == 0)
            {
                int run = 0;
                while (i < words.Length && words[i] == 0)
                {
                    run++;
                    i++;
                }
                line.Append('z').Append(run.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                line.Append('.').Append(words[i++].ToString("x", CultureInfo.InvariantCulture));
            }
        }
        return Write(line.ToString()) ? 0 : (int)Pluggable.Core.Errno.ESRCH;
    }

    /// <summary>Asks the guest to power off, and ends QEMU if it does not.</summary>
    public void Dispose()
    {
        if (!_qemu.HasExited)
        {
            Write("X");
            if (!_qemu.WaitForExit(3000))
            {
                try
                {
                    _qemu.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
                _qemu.WaitForExit(3000);
            }
        }
        _reader.Join(TimeSpan.FromSeconds(2));
        _qemu.Dispose();
    }

    private bool Write(string line)
    {
        if (_stopped is not null)
            return false;
        lock (_writing)
        {
            try
            {
                _qemu.StandardInput.Write(line);
                _qemu.StandardInput.Write('\n');
                _qemu.StandardInput.Flush();
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    private void ReadLines()
    {
        try
        {
            while (_qemu.StandardOutput.ReadLine() is { } raw)
            {
                string line = raw.TrimEnd('\r');
                if (!Take(line))
                    Keep(line);
            }
        }
        catch (IOException)
        {
        }
        _qemu.WaitForExit(2000);
        string exit = _qemu.HasExited ? $"QEMU exited with status {_qemu.ExitCode}" : "QEMU's console closed";
        _stopped = exit + Diagnosis();
        foreach (var channel in _channels.Values)
            channel.End();
        foreach (var question in _questions.Values)
            question.TrySetException(new VmException($"the {Name} guest stopped: {_stopped}"));
        _hello.TrySetResult("");
    }

    /// <summary>One line of the agent's; false for anything else the console showed.</summary>
    private unsafe bool Take(string line)
    {
        if (line.Length < 2 || line[1] != ' ')
            return false;
        var parts = line.Split(' ', 4);
        switch (line[0])
        {
            case 'H':
                _hello.TrySetResult(line[2..]);
                return true;
            case 'A' when parts.Length >= 3 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long id):
                if (_questions.TryGetValue(id, out var answer))
                    answer.TrySetResult(line[(line.IndexOf(' ', 2) + 1)..]);
                return true;
            case 'E' when int.TryParse(parts[1], CultureInfo.InvariantCulture, out int ended):
                Channel(ended).End();
                return true;
            case 'M' when parts.Length == 4 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int from):
                HostCallData call;
                if (!ParseCall(parts[3], new Span<ulong>(&call, sizeof(HostCallData) / 8)))
                    return false;
                VmChannel? passed = int.TryParse(parts[2], CultureInfo.InvariantCulture, out int child) && child >= 0 ? Channel(child) : null;
                Channel(from).Deliver(call, passed);
                return true;
            default:
                return false;
        }
    }

    private static bool ParseCall(string text, Span<ulong> words)
    {
        int i = 0, at = 0;
        while (at < text.Length)
        {
            int end = at + 1;
            while (end < text.Length && text[end] != 'z' && text[end] != '.')
                end++;
            var digits = text.AsSpan(at + 1, end - at - 1);
            if (text[at] == 'z' && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int run) && i + run <= words.Length)
            {
                words.Slice(i, run).Clear();
                i += run;
            }
            else if (text[at] == '.' && i < words.Length && ulong.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong word))
            {
                words[i++] = word;
            }
            else
            {
                return false;
            }
            at = end;
        }
        return i == words.Length;
    }

    private void Keep(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        lock (_otherLines)
        {
            _otherLines.Enqueue(line.Trim());
            if (_otherLines.Count > KeptLines)
                _otherLines.Dequeue();
        }
    }

    /// <summary>The last lines QEMU and the console showed that were not the agent's, for a failure's message.</summary>
    private string Diagnosis()
    {
        lock (_otherLines)
            return _otherLines.Count == 0 ? "" : "; last output: " + string.Join(" / ", _otherLines);
    }
}

/// <summary>A scenario process in the guest, as the agent numbers its socket.</summary>
internal sealed unsafe class VmChannel(VmLink link, int number) : IProcessChannel
{
    private readonly BlockingCollection<(HostCallData Call, VmChannel? Passed)> _messages = [];

    public int Send(HostCallData* call) => _messages.IsAddingCompleted ? (int)Pluggable.Core.Errno.ESRCH : link.Send(number, call);

    public bool Receive(HostCallData* call, out IProcessChannel? passed)
    {
        passed = null;
        if (!_messages.TryTake(out var message, Timeout.Infinite))
            return false;
        *call = message.Call;
        passed = message.Passed;
        return true;
    }

    public void Close()
    {
        End();
        try
        {
            link.Ask($"close {number}");
        }
        catch (VmException)
        {
        }
    }

    public void Deliver(HostCallData call, VmChannel? passed)
    {
        try
        {
            _messages.Add((call, passed));
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void End()
    {
        try
        {
            _messages.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
