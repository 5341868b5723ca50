namespace Pluggable.HostKernel;

/// <summary>How a <see cref="HostBackend"/> shares the machine.</summary>
public sealed record HostBackendOptions
{
    /// <summary>The machine lock every process of the project takes (flock, exclusive).</summary>
    public string LockPath { get; init; } = MachineLock.DefaultPath;

    /// <summary>Where waiting for the lock, and settings put back for a process that died, are told.</summary>
    public TextWriter Notices { get; init; } = Console.Error;

    /// <summary>How long the lock is waited for before the wait is told, naming the holder.</summary>
    public TimeSpan LockNoticeAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The root of the memory-management settings; a copy of it in tests.</summary>
    internal string SysfsRoot { get; init; } = "/sys/kernel/mm";
}
