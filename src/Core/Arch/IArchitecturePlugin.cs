namespace Pluggable.Core.Arch;

/// <summary>
/// The entry point of a plugin assembly: names the architecture, lists its options and builds an
/// <see cref="Architecture"/> for one configuration. A plugin assembly holds one public,
/// parameterless class implementing this interface.
/// </summary>
public interface IArchitecturePlugin
{
    string Name { get; }

    /// <summary>Other names users may select it by (x86_64: "x86-64", "amd64", "x86").</summary>
    IReadOnlyList<string> Aliases { get; }

    string Description { get; }

    IReadOnlyList<ArchOption> Options { get; }

    /// <summary>
    /// Builds the architecture; <paramref name="options"/> holds only names from <see cref="Options"/>,
    /// each with one of its values. A combination of values the architecture does not have is
    /// refused with an <see cref="ArgumentException"/> whose message says why; the host shows it
    /// with the option values.
    /// </summary>
    Architecture Create(IReadOnlyDictionary<string, string> options);

    /// <summary>
    /// The kernel whose architecture code the plugin models (<c>Linux 6.18</c>, the generic core's,
    /// unless said otherwise): shown by <c>pluggable archs</c> and in every snapshot header.
    /// </summary>
    string ModelledKernel => "Linux 6.18";

    /// <summary>The configurations the cross-architecture snapshot matrix runs (each a full option set).</summary>
    IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations { get; }
}
