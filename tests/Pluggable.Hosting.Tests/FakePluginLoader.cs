using Pluggable.Core.Arch;

namespace Pluggable.Hosting.Tests;

/// <summary>
/// An <see cref="IPluginLoader"/> that answers by file name instead of loading anything, so the
/// catalog's discovery, validation and conflict rules are tested apart from McMaster.
/// </summary>
internal sealed class FakePluginLoader : IPluginLoader
{
    private readonly Dictionary<string, Func<IReadOnlyList<IArchitecturePlugin>>> _byFile = new(StringComparer.Ordinal);

    public List<string> Loaded { get; } = [];

    public FakePluginLoader Answer(string fileName, params IArchitecturePlugin[] plugins)
    {
        _byFile[fileName] = () => plugins;
        return this;
    }

    public FakePluginLoader Fail(string fileName, string reason)
    {
        _byFile[fileName] = () => throw new PluginLoadException(reason);
        return this;
    }

    /// <summary>Makes loading <paramref name="fileName"/> throw <paramref name="exception"/>, as a loader outside the contract might.</summary>
    public FakePluginLoader Throw(string fileName, Exception exception)
    {
        _byFile[fileName] = () => throw exception;
        return this;
    }

    public IReadOnlyList<IArchitecturePlugin> Load(string assemblyPath)
    {
        Assert.True(Path.IsPathFullyQualified(assemblyPath), assemblyPath);
        Loaded.Add(assemblyPath);
        return _byFile.TryGetValue(Path.GetFileName(assemblyPath), out var answer) ? answer() : [];
    }
}

/// <summary>A <see cref="ToyPlugin"/> under another name, with hooks to make it misbehave.</summary>
internal sealed class RenamedPlugin(string name, params string[] aliases) : IArchitecturePlugin
{
    private readonly ToyPlugin _toy = new();

    public string Name => name;

    public IReadOnlyList<string> Aliases => aliases;

    public string Description => $"{name} for tests";

    public IReadOnlyList<ArchOption>? OptionsOverride { get; init; }

    public IReadOnlyList<ArchOption> Options => OptionsOverride ?? _toy.Options;

    public Func<IReadOnlyDictionary<string, string>, Exception?> FailCreate { get; init; } = _ => null;

    public Architecture Create(IReadOnlyDictionary<string, string> options)
    {
        if (FailCreate(options) is { } e)
            throw e;
        return new ToyArchitecture(name, options.TryGetValue("levels", out var l) ? int.Parse(l) : 4, 1);
    }

    public IEnumerable<IReadOnlyDictionary<string, string>> SnapshotConfigurations => _toy.SnapshotConfigurations;
}

/// <summary>A fresh temporary directory, removed at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pluggable-hosting-tests-").FullName;

    /// <summary>Creates <c>NAME/NAME.dll</c> (empty: the fake loader never opens it) and returns the folder.</summary>
    public string PluginFolder(string name, string? under = null)
    {
        var dir = System.IO.Path.Combine(under ?? Path, name);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(System.IO.Path.Combine(dir, name + ".dll"), []);
        return dir;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
