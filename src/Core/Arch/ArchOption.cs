namespace Pluggable.Core.Arch;

/// <summary>A start-up option a plugin exposes, such as x86_64 <c>levels=4|5</c>.</summary>
public sealed record ArchOption(string Name, IReadOnlyList<string> Values, string Default, string Description)
{
    public override string ToString() => $"{Name}={string.Join("|", Values)} (default {Default}): {Description}";
}
