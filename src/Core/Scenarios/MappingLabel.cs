namespace Pluggable.Core.Scenarios;

/// <summary>
/// A label bound by <c>mmap</c> or <c>mremap</c>: where its mapping was placed. Labels are never
/// forgotten: one that was rebound or moved away still names addresses of its old range in results.
/// </summary>
internal sealed class MappingLabel(string name, ulong address, ulong size, long sequence)
{
    public string Name { get; } = name;

    public ulong Address { get; } = address;

    public ulong Size { get; } = size;

    /// <summary>Creation order across the whole run: "the newest label" is the highest.</summary>
    public long Sequence { get; } = sequence;

    public bool Contains(ulong address) => address >= Address && address - Address < Size;
}

/// <summary>A memory file made by <c>memfd</c>, with its size for <c>mmap file=NAME</c> without SIZE.</summary>
internal sealed record MemoryFile(string Name, ulong Size);
