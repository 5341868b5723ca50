using Pluggable.Core.Mm;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Scenarios;

/// <summary>What kind of answer a command produced.</summary>
public enum ResultKind
{
    /// <summary><c>ok</c>, optionally followed by <see cref="CommandResult.Text"/>.</summary>
    Ok,

    /// <summary>A byte count (copy, zeropage, continue, poison, move).</summary>
    Bytes,

    /// <summary>An errno name, with <c>after N</c> when partial progress was made.</summary>
    Errno,

    /// <summary><c>SIGBUS</c> or <c>SIGSEGV</c>.</summary>
    Signal,

    /// <summary>The command stopped on a userfault (or waits for an event to be read).</summary>
    Blocked,

    /// <summary>The backend cannot do this command.</summary>
    Unsupported,

    /// <summary>A <c>check</c> found a byte that differs.</summary>
    Mismatch,

    /// <summary>A <c>read</c> returned a message (<see cref="CommandResult.Message"/>).</summary>
    Message,

    /// <summary>A <c>pagemap</c> answer (<see cref="CommandResult.Pagemap"/>).</summary>
    Pagemap,

    /// <summary>A <c>frames</c> answer: the frames of a pagemap read (<see cref="CommandResult.Pagemap"/>).</summary>
    Frames,

    /// <summary>A script error at run time (unknown label): printed as <c>error: TEXT</c>, exit 2.</summary>
    ScriptError,
}

/// <summary>The backend-neutral answer to one command; the interpreter turns it into transcript text.</summary>
public sealed class CommandResult
{
    private CommandResult(ResultKind kind) => Kind = kind;

    public ResultKind Kind { get; private init; }

    /// <summary>Payload after <c>ok</c> (e.g. "0x5a"), the errno or signal name, or the script error text.</summary>
    public string? Text { get; private init; }

    /// <summary>Bytes for <see cref="ResultKind.Bytes"/>; the bytes done for a partial errno (-1 when none).</summary>
    public long Number { get; private init; } = -1;

    /// <summary>The backend's handle of the parked thread for <see cref="ResultKind.Blocked"/>.</summary>
    public int Thread { get; private init; }

    public ulong MismatchAddress { get; private init; }
    public byte MismatchGot { get; private init; }
    public byte MismatchWant { get; private init; }

    public UffdMessage? Message { get; private init; }

    public PagemapRuns? Pagemap { get; private init; }

    /// <summary>Emulator-only continuation lines (<c>dump</c>, <c>trace</c>), printed after the command as <c>  | LINE</c>.</summary>
    public List<string>? Detail { get; set; }

    public static readonly CommandResult OkResult = new(ResultKind.Ok);

    public static CommandResult Ok(string? text = null) => text is null ? new(ResultKind.Ok) : new(ResultKind.Ok) { Text = text };

    public static CommandResult FromBytes(long bytes) => new(ResultKind.Bytes) { Number = bytes };

    public static CommandResult Error(Errno errno, long partial = -1) => new(ResultKind.Errno) { Text = errno.ToString(), Number = partial };

    public static CommandResult Signal(string name) => new(ResultKind.Signal) { Text = name };

    public static CommandResult Blocked(int thread) => new(ResultKind.Blocked) { Thread = thread };

    public static CommandResult Unsupported() => new(ResultKind.Unsupported);

    public static CommandResult Mismatch(ulong address, byte got, byte want) =>
        new(ResultKind.Mismatch) { MismatchAddress = address, MismatchGot = got, MismatchWant = want };

    public static CommandResult FromMessage(UffdMessage message) => new(ResultKind.Message) { Message = message };

    public static CommandResult FromPagemap(PagemapRuns runs) => new(ResultKind.Pagemap) { Pagemap = runs };

    public static CommandResult FromFrames(PagemapRuns runs) => new(ResultKind.Frames) { Pagemap = runs };

    public static CommandResult FromPagemap(ReadOnlySpan<PagemapFlags> pages) => FromPagemap(PagemapRuns.From(pages));

    public static CommandResult ScriptError(string text) => new(ResultKind.ScriptError) { Text = text };

    public bool IsErrno(Errno errno) => Kind == ResultKind.Errno && Text == errno.ToString();

    public override string ToString() => Kind switch
    {
        ResultKind.Ok => Text is null ? "ok" : $"ok {Text}",
        ResultKind.Bytes => Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ResultKind.Errno => Number >= 0 ? $"{Text} after {Number}" : Text!,
        ResultKind.Signal => Text!,
        ResultKind.Blocked => $"blocked <{Thread}>",
        ResultKind.Unsupported => "unsupported",
        ResultKind.ScriptError => $"error: {Text}",
        _ => Kind.ToString(),
    };
}
