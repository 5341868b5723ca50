using Microsoft.Extensions.DependencyInjection;
using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Hosting.Tests;

/// <summary>Discovery, validation, conflicts and selection, with <see cref="FakePluginLoader"/> standing in for McMaster.</summary>
public class PluginCatalogTests
{
    private static PluginCatalog Discover(FakePluginLoader loader, params string[] dirs) =>
        PluginCatalog.Discover(loader, dirs, includeDefaultFolder: false);

    private static PluginCatalog ToyCatalog()
    {
        using var dir = new TempDir();
        dir.PluginFolder("Toy");
        return Discover(new FakePluginLoader().Answer("Toy.dll", new ToyPlugin()), dir.Path);
    }

    [Fact]
    public void FolderOfPluginFolders_LoadsEach_AndReportsTheBrokenOnesByName()
    {
        using var dir = new TempDir();
        dir.PluginFolder("Alpha");
        dir.PluginFolder("Broken");
        dir.PluginFolder("Typeless");
        Directory.CreateDirectory(Path.Combine(dir.Path, "Empty"));
        var loader = new FakePluginLoader()
            .Answer("Alpha.dll", new ToyPlugin())
            .Fail("Broken.dll", "Broken.dll is not a .NET assembly");

        var catalog = Discover(loader, dir.Path);

        Assert.Equal(["toy"], catalog.Plugins.Select(p => p.Name));
        Assert.Equal(Path.Combine(dir.Path, "Alpha", "Alpha.dll"), catalog.Plugins[0].AssemblyPath);
        Assert.Collection(
            catalog.Failures,
            f => Assert.Equal(("Broken", "Broken.dll is not a .NET assembly"), (f.Name, f.Reason)),
            f => Assert.Equal(("Empty", "no Empty.dll in the plugin folder"), (f.Name, f.Reason)),
            f => Assert.Equal(("Typeless", "no public class with a public parameterless constructor implements IArchitecturePlugin"), (f.Name, f.Reason)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public void OnePluginFolder_CanBePassedDirectly(string trailing)
    {
        using var dir = new TempDir();
        var alpha = dir.PluginFolder("Alpha");
        var catalog = Discover(new FakePluginLoader().Answer("Alpha.dll", new ToyPlugin()), alpha + trailing);
        Assert.Equal(["toy"], catalog.Plugins.Select(p => p.Name));
        Assert.Empty(catalog.Failures);
    }

    [Fact]
    public void BuildOutputFolder_IsFoundByItsDepsJson()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "bin", "Debug", "net10.0");
        Directory.CreateDirectory(output);
        File.WriteAllBytes(Path.Combine(output, "Toy.dll"), []);
        File.WriteAllText(Path.Combine(output, "Toy.deps.json"), "{}");
        File.WriteAllBytes(Path.Combine(output, "SomeDependency.dll"), []);
        var loader = new FakePluginLoader().Answer("Toy.dll", new ToyPlugin());

        var catalog = Discover(loader, output);

        Assert.Equal([Path.Combine(output, "Toy.dll")], loader.Loaded);
        Assert.Equal(["toy"], catalog.Plugins.Select(p => p.Name));
    }

    [Fact]
    public void RelativeDirectories_ReachTheLoaderAsAbsolutePaths()
    {
        using var dir = new TempDir();
        dir.PluginFolder("Alpha");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, dir.Path);
        var loader = new FakePluginLoader().Answer("Alpha.dll", new ToyPlugin());
        var catalog = Discover(loader, relative);
        Assert.Single(catalog.Plugins);
        Assert.Equal([dir.Path], catalog.SearchedDirectories);
    }

    [Fact]
    public void MissingExtraDirectory_IsAUsageError()
    {
        var e = Assert.Throws<HostingException>(() => Discover(new FakePluginLoader(), "/nonexistent/pluggable-plugins"));
        Assert.Equal("plugin directory '/nonexistent/pluggable-plugins' does not exist", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void EmptyDirectoryName_IsAUsageError(string dir)
    {
        var e = Assert.Throws<HostingException>(() => Discover(new FakePluginLoader(), dir));
        Assert.Equal($"plugin directory '{dir}' is empty: expected a folder", e.Message);
    }

    [Fact]
    public void EmptyExtraDirectory_IsReported()
    {
        using var dir = new TempDir();
        var catalog = Discover(new FakePluginLoader(), dir.Path);
        var failure = Assert.Single(catalog.Failures);
        Assert.StartsWith("no plugin here", failure.Reason);
    }

    [Fact]
    public void SameName_TheLaterIsAConflict_TheEarlierStays()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        first.PluginFolder("A");
        second.PluginFolder("B");
        var loader = new FakePluginLoader().Answer("A.dll", new ToyPlugin()).Answer("B.dll", new RenamedPlugin("TOY"));

        var catalog = Discover(loader, first.Path, second.Path);

        Assert.Equal(Path.Combine(first.Path, "A", "A.dll"), Assert.Single(catalog.Plugins).AssemblyPath);
        var conflict = Assert.Single(catalog.Failures);
        Assert.Equal("TOY", conflict.Name);
        Assert.StartsWith("conflict: 'TOY' is already taken by toy from ", conflict.Reason);
    }

    [Fact]
    public void AliasTakenByAnEarlierPlugin_IsAConflict()
    {
        using var dir = new TempDir();
        dir.PluginFolder("A");
        dir.PluginFolder("B");
        var loader = new FakePluginLoader().Answer("A.dll", new ToyPlugin()).Answer("B.dll", new RenamedPlugin("other", "ta"));
        var catalog = Discover(loader, dir.Path);
        Assert.Equal("other", Assert.Single(catalog.Failures).Name);
        Assert.Contains("'ta' is already taken by toy", catalog.Failures[0].Reason);
    }

    [Fact]
    public void PluginFailingOneOfItsConfigurations_IsReportedByItsName_OthersStillLoad()
    {
        using var dir = new TempDir();
        dir.PluginFolder("A");
        dir.PluginFolder("B");
        var flaky = new RenamedPlugin("flaky")
        {
            FailCreate = o => o["levels"] == "3" ? new InvalidOperationException("3 levels are not supported") : null,
        };
        var loader = new FakePluginLoader().Answer("A.dll", flaky).Answer("B.dll", new ToyPlugin());

        var catalog = Discover(loader, dir.Path);

        Assert.Equal(["toy"], catalog.Plugins.Select(p => p.Name));
        var failure = Assert.Single(catalog.Failures);
        Assert.Equal("flaky", failure.Name);
        Assert.Equal("snapshot configuration levels=3,zero=1: 3 levels are not supported", failure.Reason);
    }

    [Fact]
    public void OptionDefaultOutsideItsValues_IsReported()
    {
        using var dir = new TempDir();
        dir.PluginFolder("A");
        var bad = new RenamedPlugin("bad") { OptionsOverride = [new ArchOption("levels", ["3", "4"], "5", "levels")] };
        var catalog = Discover(new FakePluginLoader().Answer("A.dll", bad), dir.Path);
        Assert.Equal("the default '5' of option 'levels' is not among its values 3|4", Assert.Single(catalog.Failures).Reason);
    }

    [Fact]
    public void NameUnusableInArchSpec_IsReported()
    {
        using var dir = new TempDir();
        dir.PluginFolder("A");
        var catalog = Discover(new FakePluginLoader().Answer("A.dll", new RenamedPlugin("arm64:4k")), dir.Path);
        Assert.Contains("cannot be used as an architecture name", Assert.Single(catalog.Failures).Reason);
    }

    [Theory]
    [InlineData("toy")]
    [InlineData("TOY")]
    [InlineData("toy-arch")]
    [InlineData("ta")]
    public void Select_ByNameOrAlias_CaseInsensitive_WithDefaults(string name)
    {
        var selected = ToyCatalog().Select(name);
        Assert.Equal("toy", selected.Plugin.Name);
        Assert.Equal(new Dictionary<string, string> { ["levels"] = "4", ["zero"] = "1" }, selected.Options);
        Assert.Equal(48, selected.Architecture.Geometry.VaBits);
    }

    [Fact]
    public void Select_Options_AreMatchedCaseInsensitively_AndStoredAsDeclared()
    {
        var selected = ToyCatalog().Select("toy:LEVELS=3");
        Assert.Equal(new Dictionary<string, string> { ["levels"] = "3", ["zero"] = "1" }, selected.Options);
        Assert.Equal(39, selected.Architecture.Geometry.VaBits);
        Assert.Equal("toy (levels=3)", selected.ToString());
    }

    [Fact]
    public void Select_UnknownName_ListsTheAvailableArchitectures()
    {
        var e = Assert.Throws<HostingException>(() => ToyCatalog().Select("sparc64"));
        Assert.Equal("unknown architecture 'sparc64'; available: toy (also toy-arch, TA)", e.Message);
    }

    [Theory]
    [InlineData("tyo", "unknown architecture 'tyo' (did you mean 'toy'?); available: toy (also toy-arch, TA)")]
    [InlineData("toy:levles=3", "architecture toy has no option 'levles' (did you mean 'levels'?); its options: levels=3|4, zero=1|2")]
    [InlineData("toy:zero=11", "bad value '11' for option 'zero' of toy (did you mean '1'?); allowed: 1, 2")]
    public void Select_Typos_GetADidYouMean(string spec, string message) =>
        Assert.Equal(message, Assert.Throws<HostingException>(() => ToyCatalog().Select(spec)).Message);

    [Fact]
    public void Select_WithNoPlugins_SaysWhereItLooked()
    {
        using var dir = new TempDir();
        dir.PluginFolder("Broken");
        var catalog = Discover(new FakePluginLoader().Fail("Broken.dll", "boom"), dir.Path);
        var e = Assert.Throws<HostingException>(() => catalog.Select("x86_64"));
        Assert.Equal($"unknown architecture 'x86_64': no architecture plugin was loaded from {dir.Path}; 1 failed to load (see 'pluggable archs')", e.Message);
    }

    [Fact]
    public void Select_UnknownOption_NamesItAndListsTheOptions()
    {
        var e = Assert.Throws<HostingException>(() => ToyCatalog().Select("toy:depth=3"));
        Assert.Equal("architecture toy has no option 'depth'; its options: levels=3|4, zero=1|2", e.Message);
    }

    [Fact]
    public void Select_BadValue_NamesTheOptionAndTheAllowedValues()
    {
        var e = Assert.Throws<HostingException>(() => ToyCatalog().Select("ta:levels=5"));
        Assert.Equal("bad value '5' for option 'levels' of toy; allowed: 3, 4", e.Message);
    }

    [Fact]
    public void Select_CreateFailure_NamesThePlugin()
    {
        using var dir = new TempDir();
        dir.PluginFolder("A");
        var picky = new RenamedPlugin("picky")
        {
            OptionsOverride = [new ArchOption("levels", ["3", "4"], "4", "levels"), new ArchOption("zero", ["1", "2"], "1", "zero pages")],
            FailCreate = o => o["zero"] == "2" ? new NotSupportedException("coloured zero pages are not modelled") : null,
        };
        var catalog = Discover(new FakePluginLoader().Answer("A.dll", picky), dir.Path);
        var e = Assert.Throws<HostingException>(() => catalog.Select("picky:zero=2"));
        Assert.StartsWith("architecture picky:zero=2 could not be created by picky (", e.Message);
        Assert.EndsWith("): NotSupportedException: coloured zero pages are not modelled", e.Message);
    }

    [Fact]
    public void Select_ACombinationThePluginRefuses_NamesTheValues_InThePluginsWords()
    {
        using var dir = new TempDir();
        dir.PluginFolder("A");
        var picky = new RenamedPlugin("picky")
        {
            OptionsOverride = [new ArchOption("levels", ["3", "4"], "4", "levels"), new ArchOption("zero", ["1", "2"], "1", "zero pages")],
            FailCreate = o => o["zero"] == "2" && o["levels"] == "3" ? new ArgumentException("3 levels have one zero page", "options") : null,
        };
        var catalog = Discover(new FakePluginLoader().Answer("A.dll", picky), dir.Path);
        var e = Assert.Throws<HostingException>(() => catalog.Select("picky:zero=2,levels=3"));
        Assert.Equal("architecture picky refuses the options levels=3,zero=2: 3 levels have one zero page", e.Message);
    }

    [Fact]
    public void ALoaderThatThrowsAnything_FailsThatPluginOnly()
    {
        using var dir = new TempDir();
        dir.PluginFolder("Alpha");
        dir.PluginFolder("Beta");
        var loader = new FakePluginLoader()
            .Answer("Alpha.dll", new ToyPlugin())
            .Throw("Beta.dll", new InvalidOperationException("deps.json: Missing a name for object member"));

        var catalog = Discover(loader, dir.Path);

        Assert.Equal(["toy"], catalog.Plugins.Select(p => p.Name));
        var failure = Assert.Single(catalog.Failures);
        Assert.Equal(("Beta", "InvalidOperationException: deps.json: Missing a name for object member"), (failure.Name, failure.Reason));
    }

    [Fact]
    public void TheSameFolderTwice_LoadsEachPluginOnce_WithoutAConflict()
    {
        using var dir = new TempDir();
        var alpha = dir.PluginFolder("Alpha");
        var loader = new FakePluginLoader().Answer("Alpha.dll", new ToyPlugin());

        var catalog = Discover(loader, dir.Path, alpha, dir.Path + "/");

        Assert.Equal(["toy"], catalog.Plugins.Select(p => p.Name));
        Assert.Empty(catalog.Failures);
        Assert.Single(loader.Loaded);
        Assert.Equal([dir.Path, alpha], catalog.SearchedDirectories);
    }

    [Fact]
    public void AProjectFolder_PointsAtItsBuildOutput()
    {
        using var dir = new TempDir();
        var project = Path.Combine(dir.Path, "Sparc");
        Directory.CreateDirectory(Path.Combine(project, "obj"));
        File.WriteAllText(Path.Combine(project, "Pluggable.Arch.Sparc.csproj"), "<Project />");

        var unbuilt = Discover(new FakePluginLoader(), project);
        var failure = Assert.Single(unbuilt.Failures);
        Assert.Equal("Sparc", failure.Name);
        Assert.Equal(
            $"this is the project folder of Pluggable.Arch.Sparc, not a plugin: build it (dotnet build {Path.Combine(project, "Pluggable.Arch.Sparc.csproj")}) and pass its output folder, bin/Debug/net10.0",
            failure.Reason);

        var output = Path.Combine(project, "bin", "Debug", "net10.0");
        Directory.CreateDirectory(output);
        File.WriteAllBytes(Path.Combine(output, "Pluggable.Arch.Sparc.dll"), []);
        File.WriteAllText(Path.Combine(output, "Pluggable.Arch.Sparc.deps.json"), "{}");
        var built = Discover(new FakePluginLoader(), dir.Path);
        Assert.Equal($"this is the project folder of Pluggable.Arch.Sparc, not a plugin: pass its build output, --plugin-dir {output}", Assert.Single(built.Failures).Reason);

        foreach (var between in new[] { Path.Combine(project, "bin"), Path.Combine(project, "bin", "Debug") })
        {
            var failure2 = Assert.Single(Discover(new FakePluginLoader(), between).Failures);
            Assert.Equal($"this is on the way to the build output of Pluggable.Arch.Sparc, not a plugin folder: pass --plugin-dir {output}", failure2.Reason);
        }
    }

    [Fact]
    public void APluginDirectoryThatIsAFile_SaysToPassItsFolder()
    {
        using var dir = new TempDir();
        var dll = Path.Combine(dir.PluginFolder("Alpha"), "Alpha.dll");
        var e = Assert.Throws<HostingException>(() => Discover(new FakePluginLoader(), dll));
        Assert.Equal($"plugin directory '{dll}' is a file; pass the folder that holds it", e.Message);
    }

    [Fact]
    public void Composition_RegistersTheCatalogTheArchitectureAndTheBackendFactory()
    {
        var catalog = ToyCatalog();
        using var services = new ServiceCollection().AddSingleton(catalog).AddArchitecture("toy:levels=3").BuildServiceProvider();

        var arch = services.GetRequiredService<Architecture>();
        Assert.Same(services.GetRequiredService<SelectedArchitecture>().Architecture, arch);
        Assert.Equal(39, arch.Geometry.VaBits);

        var factory = services.GetRequiredService<Func<IScenarioBackend>>();
        using var backend = factory();
        Assert.IsType<EmulatorBackend>(backend);
        Assert.Equal("toy", backend.Facts.ArchName);
    }

    [Fact]
    public void Composition_MalformedSpec_FailsAtRegistration()
    {
        var e = Assert.Throws<HostingException>(() => new ServiceCollection().AddArchitecture("toy:levels"));
        Assert.Contains("is not option=value", e.Message);
    }
}
