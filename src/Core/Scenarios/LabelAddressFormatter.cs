namespace Pluggable.Core.Scenarios;

/// <summary>
/// Label-relative addresses (Output): <c>a</c>, <c>a+3p</c> when page-aligned (base pages, never
/// <c>hp</c>), <c>a+0x3010</c> otherwise; the label is the newest one holding the address, as seen
/// from <see cref="Current"/> (its own labels, gone ones included, and its descendants'), else in any
/// process of the scenario (a userfaultfd a child inherited reports events of its parent's
/// mappings); hex when none, which would print where the backend happened to place the mapping.
/// </summary>
internal sealed class LabelAddressFormatter(ProcessTree processes, ulong pageSize) : IAddressFormatter
{
    /// <summary>The process of the command running now, for the backend's dump and trace lines.</summary>
    public ScenarioProcess Current { get; set; } = processes.Main;

    public string Format(ulong address) => Format(Current, address);

    public string FormatProcess(int process) => processes.FindById(process)?.Name ?? (process == 0 ? "main" : $"#{process}");

    public string Format(ScenarioProcess process, ulong address) =>
        (processes.Containing(process, address) ?? processes.Containing(processes.Main, address)) is { } label
            ? Relative(label, address)
            : Hex(address);

    /// <summary>Relative to a given label; <c>check</c> uses the label of its own address.</summary>
    public string Relative(MappingLabel label, ulong address)
    {
        if (address < label.Address)
            return Hex(address);
        ulong offset = address - label.Address;
        if (offset == 0)
            return label.Name;
        return offset % pageSize == 0 ? $"{label.Name}+{offset / pageSize}p" : $"{label.Name}+0x{offset:x}";
    }

    public static string Hex(ulong address) => $"0x{address:x}";
}
