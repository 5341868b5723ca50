namespace Pluggable.Hosting.Tests;

/// <summary>Real loading through McMaster.NETCore.Plugins, from folders laid out as the CLI's.</summary>
public class McMasterPluginLoaderTests
{
    private static readonly string TestAssembly = typeof(ToyPlugin).Assembly.Location;

    /// <summary>Copies this test assembly (which holds the public <see cref="ToyPlugin"/>) into <c>DIR/NAME/NAME.dll</c>.</summary>
    private static string CopyTestAssemblyAsPlugin(string dir)
    {
        var name = Path.GetFileNameWithoutExtension(TestAssembly);
        var folder = Path.Combine(dir, name);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".dll");
        File.Copy(TestAssembly, path);
        return path;
    }

    [Fact]
    public void InTreePlugins_DeployedBesideTheTests_AllLoad()
    {
        using var loader = new McMasterPluginLoader();
        var catalog = PluginCatalog.Discover(loader, []);

        Assert.Equal([PluginCatalog.DefaultPluginFolder], catalog.SearchedDirectories);
        Assert.Empty(catalog.Failures);
        var folders = Directory.GetDirectories(PluginCatalog.DefaultPluginFolder).Select(Path.GetFileName).Order().ToList();
        Assert.NotEmpty(folders);
        Assert.Equal(folders, catalog.Plugins.Select(p => Path.GetFileName(Path.GetDirectoryName(p.AssemblyPath))).Distinct().Order().ToList());
        Assert.NotNull(catalog.Find(ArchSpec.DefaultName));
    }

    [Fact]
    public void InTreePluginFolders_DoNotCarryTheContractAssembly()
    {
        Assert.Empty(Directory.GetFiles(PluginCatalog.DefaultPluginFolder, "Pluggable.Core.*", SearchOption.AllDirectories));
    }

    [Fact]
    public void APluginAssembly_LoadsAndSharesTheContract()
    {
        using var dir = new TempDir();
        var path = CopyTestAssemblyAsPlugin(dir.Path);
        using var loader = new McMasterPluginLoader();

        var plugin = Assert.Single(loader.Load(path));

        Assert.Equal(ToyPlugin.ToyName, plugin.Name);
        Assert.Equal(39, plugin.Create(new Dictionary<string, string> { ["levels"] = "3" }).Geometry.VaBits);
    }

    [Fact]
    public void BrokenPlugins_AreReportedByName_WhileTheOthersLoad()
    {
        using var dir = new TempDir();
        CopyTestAssemblyAsPlugin(dir.Path);

        var garbage = Path.Combine(dir.Path, "Garbage");
        Directory.CreateDirectory(garbage);
        File.WriteAllText(Path.Combine(garbage, "Garbage.dll"), "this is not a PE file");

        // A real assembly without any IArchitecturePlugin: the DI abstractions the host ships anyway.
        var typeless = typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location;
        var typelessName = Path.GetFileNameWithoutExtension(typeless);
        Directory.CreateDirectory(Path.Combine(dir.Path, typelessName));
        File.Copy(typeless, Path.Combine(dir.Path, typelessName, typelessName + ".dll"));

        using var loader = new McMasterPluginLoader();
        var catalog = PluginCatalog.Discover(loader, [dir.Path], includeDefaultFolder: false);

        Assert.Equal([ToyPlugin.ToyName], catalog.Plugins.Select(p => p.Name).ToArray());
        Assert.Equal(2, catalog.Failures.Count);
        var bad = Assert.Single(catalog.Failures, f => f.Name == "Garbage");
        Assert.Equal("Garbage.dll is not a .NET assembly", bad.Reason);
        var none = Assert.Single(catalog.Failures, f => f.Name == typelessName);
        Assert.Equal("no public class with a public parameterless constructor implements IArchitecturePlugin", none.Reason);
    }

    [Fact]
    public void AMalformedDepsJson_FailsThatPluginOnly()
    {
        using var dir = new TempDir();
        CopyTestAssemblyAsPlugin(dir.Path);
        var x86 = Path.Combine(dir.Path, "Pluggable.Arch.X86_64");
        Directory.CreateDirectory(x86);
        foreach (var file in Directory.GetFiles(Path.Combine(PluginCatalog.DefaultPluginFolder, "Pluggable.Arch.X86_64")))
            File.Copy(file, Path.Combine(x86, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(x86, "Pluggable.Arch.X86_64.deps.json"), "{ not json");

        using var loader = new McMasterPluginLoader();
        var catalog = PluginCatalog.Discover(loader, [dir.Path], includeDefaultFolder: false);

        Assert.Equal([ToyPlugin.ToyName], catalog.Plugins.Select(p => p.Name).ToArray());
        var failure = Assert.Single(catalog.Failures);
        Assert.Equal("Pluggable.Arch.X86_64", failure.Name);
        Assert.StartsWith("Pluggable.Arch.X86_64.dll could not be loaded: ", failure.Reason);
        Assert.Contains("deps.json", failure.Reason);
        Assert.DoesNotContain("\n", failure.Reason);
    }

    [Fact]
    public void RelativePath_IsRefused()
    {
        using var loader = new McMasterPluginLoader();
        Assert.Throws<ArgumentException>(() => loader.Load("plugins/X/X.dll"));
    }
}
