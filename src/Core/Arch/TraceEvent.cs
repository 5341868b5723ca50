namespace Pluggable.Core.Arch;

/// <summary>
/// One architecture hook call as the trace shows it. <see cref="Hook"/> is the kernel's name for the
/// operation; the other fields are filled where they apply (zero otherwise).
/// </summary>
public readonly record struct TraceEvent(string Hook, PageLevel Level, ulong Address, ulong End, ulong Raw, ulong Pfn, string? Detail)
{
    public static TraceEvent Note(string hook, string detail) => new(hook, PageLevel.Pte, 0, 0, 0, 0, detail);
}

/// <summary>Where hook calls are recorded. Disabled sinks cost one branch per hook.</summary>
public interface ITraceSink
{
    bool Enabled { get; }

    void Record(in TraceEvent e);
}

/// <summary>The sink used when nobody listens.</summary>
public sealed class NullTraceSink : ITraceSink
{
    public static readonly NullTraceSink Instance = new();

    public bool Enabled => false;

    public void Record(in TraceEvent e)
    {
    }
}
