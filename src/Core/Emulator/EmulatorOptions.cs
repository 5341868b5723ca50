namespace Pluggable.Core.Emulator;

/// <summary>
/// The emulated machine, beyond its architecture: how much memory it has and whether the core
/// checks its own bookkeeping after every command.
/// </summary>
public sealed record EmulatorOptions
{
    /// <summary>4 GiB: what a small laptop can give the emulator without suffering.</summary>
    public const ulong DefaultMemoryBytes = 4UL << 30;

    /// <summary>32 MiB: 512 pages of the largest base page a plugin has (64 KiB), the least a machine needs.</summary>
    public const ulong MinimumMemoryBytes = 32UL << 20;

    public static EmulatorOptions Default { get; } = new();

    /// <summary>
    /// The machine's RAM (MemTotal). Bounds the frames the core hands out and the kernel objects it
    /// charges, and is the total the overcommit heuristic compares a mapping with; the emulator
    /// process holds at most this much plus a reserve of a sixteenth (and its descriptors).
    /// </summary>
    public ulong MemoryBytes { get; init; } = DefaultMemoryBytes;

    /// <summary>
    /// After every command, check that every frame's counts match the references that exist
    /// (the spirit of CONFIG_DEBUG_VM); a mismatch is a broken invariant. On in tests.
    /// </summary>
    public bool DebugVm { get; init; }

    /// <summary>The Linux release modelled (<c>--kernel</c>): the uffd features and ioctls it offers and the behaviours that changed.</summary>
    public Kernel.LinuxVersion Kernel { get; init; } = Pluggable.Core.Kernel.LinuxVersion.Default;
}
