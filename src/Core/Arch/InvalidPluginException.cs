namespace Pluggable.Core.Arch;

/// <summary>
/// An architecture plugin describes something the core cannot work with. Raised once, at start-up,
/// so a bad plugin is reported by name instead of corrupting a walk later.
/// </summary>
/// Kernel: none (the kernel's equivalent checks are BUILD_BUG_ONs on the page-table constants).
public sealed class InvalidPluginException : Exception
{
    public InvalidPluginException(string architecture, IReadOnlyList<string> problems)
        : base($"architecture '{architecture}' is invalid: {string.Join("; ", problems)}")
    {
        Architecture = architecture;
        Problems = problems;
    }

    /// <summary>The architecture's name and configuration, as <see cref="Arch.Architecture.ToString"/> gives it.</summary>
    public string Architecture { get; }

    public IReadOnlyList<string> Problems { get; }
}
