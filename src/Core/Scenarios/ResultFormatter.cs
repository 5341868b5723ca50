using System.Globalization;

using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Scenarios;

/// <summary>Turns a <see cref="CommandResult"/> into the text after <c> -&gt; </c> (Output; Messages printed by read).</summary>
internal sealed class ResultFormatter(LabelAddressFormatter addresses)
{
    private readonly FrameNames _frames = new();

    /// <param name="thread">The name given to a blocked command's thread.</param>
    /// <param name="forkUffd">The name a fork event's new userfaultfd was bound to.</param>
    public string Format(CommandResult result, CommandContext context, string? thread, string? forkUffd) => result.Kind switch
    {
        ResultKind.Blocked => $"blocked {thread}",
        ResultKind.Mismatch => Mismatch(result, context),
        ResultKind.Message => Message(result.Message!.Value, context.Process, forkUffd),
        ResultKind.Pagemap => PagemapText.Format(result.Pagemap!),
        ResultKind.Frames => _frames.Format(result.Pagemap!),
        _ => result.ToString(),
    };

    private string Mismatch(CommandResult result, CommandContext context)
    {
        ulong at = result.MismatchAddress;
        string where = context.OwnLabel is { } own ? addresses.Relative(own, at) : addresses.Format(context.Process, at);
        return $"mismatch {where} got 0x{result.MismatchGot:x2} want 0x{result.MismatchWant:x2}";
    }

    private string Message(UffdMessage message, ScenarioProcess process, string? forkUffd)
    {
        string Addr(ulong a) => addresses.Format(process, a);
        string length = message.Length.ToString(CultureInfo.InvariantCulture);
        return message.Event switch
        {
            UffdEvent.PageFault => "pagefault " + Addr(message.Address)
                + ((message.Flags & UffdMessage.FlagWrite) != 0 ? " write" : "")
                + ((message.Flags & UffdMessage.FlagWp) != 0 ? " wp" : "")
                + ((message.Flags & UffdMessage.FlagMinor) != 0 ? " minor" : ""),
            UffdEvent.Fork => $"fork {forkUffd}",
            UffdEvent.Remap => $"remap {Addr(message.Address)} -> {Addr(message.To)} {length}",
            UffdEvent.Remove => $"remove {Addr(message.Address)} {length}",
            UffdEvent.Unmap => $"unmap {Addr(message.Address)} {length}",
            _ => $"event 0x{(byte)message.Event:x2}",
        };
    }
}
