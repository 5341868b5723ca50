using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;
using Pluggable.Hosting;
using Pluggable.HostKernel;

namespace Pluggable.Cli;

/// <summary>The command tree of <c>pluggable</c> (System.CommandLine) and what each command does.</summary>
internal static class Commands
{
    private const string DemoResource = "Pluggable.Cli.Demo.demo.scenario";

    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        const string defaultMemory = "default 4g";
        var rootArch = ArchOption();
        var rootDirs = PluginDirOption();
        var rootMemory = MachineOptions.Memory(defaultMemory);
        var rootTime = MachineOptions.TimeLimit();
        var root = new RootCommand(
            "Pluggable: Linux memory management and userfaultfd, emulated, with each CPU architecture in a plugin. " +
            "Without a command, runs a bundled demo scenario.")
        {
            rootArch,
            rootDirs,
            rootMemory,
            rootTime,
        };
        root.SetAction(r => Demo(r.GetValue(rootArch)!, r.GetValue(rootDirs)!, Limits(r, rootMemory, rootTime), stdout, stderr));

        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Scenario files (.scenario) to run, in order." };
        var runArch = ArchOption();
        var runDirs = PluginDirOption();
        var runBackend = BackendOption();
        var runMemory = MachineOptions.Memory(defaultMemory);
        var runTime = MachineOptions.TimeLimit();
        var run = new Command("run", "Run scenario files on the emulator with the selected architecture, or on this machine's kernel (--backend host); the exit status is the worst of the files'.")
        {
            files,
            runArch,
            runDirs,
            runBackend,
            runMemory,
            runTime,
        };
        run.SetAction(r => RunFiles(r.GetValue(files)!, r.GetValue(runArch)!, r.GetValue(runDirs)!, r.GetValue(runBackend)!, Limits(r, runMemory, runTime), stdout, stderr));
        root.Add(run);

        var diffFiles = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Scenario files (.scenario) to compare, in order." };
        var diffArch = ArchOption();
        var diffDirs = PluginDirOption();
        var diffMemory = MachineOptions.Memory("default: this machine's MemTotal, so that both sides do the same overcommit arithmetic");
        var diffTime = MachineOptions.TimeLimit();
        var diff = new Command("diff", "Run scenario files on the emulator and on this machine's kernel and print the lines where the transcripts differ; exit 1 on any difference.")
        {
            diffFiles,
            diffArch,
            diffDirs,
            diffMemory,
            diffTime,
        };
        diff.SetAction(r =>
        {
            var limits = Limits(r, diffMemory, diffTime);
            var machine = limits.Machine with { MemoryBytes = r.GetValue(diffMemory) ?? HostMemory.TotalBytes() ?? limits.Machine.MemoryBytes };
            return BackendDiff.Run(r.GetValue(diffFiles)!, EmulatorFactory(r.GetValue(diffArch)!, r.GetValue(diffDirs)!, machine, stderr), limits.Run, stdout, stderr);
        });
        root.Add(diff);

        var inspectFile = new Argument<string>("FILE") { Description = "The scenario file (.scenario) to inspect." };
        var inspectArch = ArchOption();
        var inspectDirs = PluginDirOption();
        var inspectMemory = MachineOptions.Memory(defaultMemory);
        var inspectTime = MachineOptions.TimeLimit();
        var inspect = new Command("inspect", "Run a scenario on the emulator with every architecture hook traced, then dump the page tables of each of its mappings.")
        {
            inspectFile,
            inspectArch,
            inspectDirs,
            inspectMemory,
            inspectTime,
        };
        inspect.SetAction(r => Inspect(r.GetValue(inspectFile)!, r.GetValue(inspectArch)!, r.GetValue(inspectDirs)!, Limits(r, inspectMemory, inspectTime), stdout, stderr));
        root.Add(inspect);

        var archsDirs = PluginDirOption();
        var archs = new Command("archs", "List the architecture plugins found, their options and configurations, and the plugins that failed to load.")
        {
            archsDirs,
        };
        archs.SetAction(r => ArchsListing.Write(Catalog(Compose(r.GetValue(archsDirs)!, arch: null, machine: null), stderr: null), stdout));
        root.Add(archs);
        return root;
    }

    private static Option<string> ArchOption() => new("--arch")
    {
        HelpName = "NAME[:option=value,...]",
        Description = "The architecture plugin (name or alias) and its options; 'pluggable archs' lists them.",
        DefaultValueFactory = _ => ArchSpec.DefaultName,
    };

    private static Option<string> BackendOption()
    {
        var option = new Option<string>("--backend")
        {
            HelpName = "emulator|host",
            Description = "Where scenarios run: the emulator (with --arch) or this machine's Linux kernel (x86_64, root).",
            DefaultValueFactory = _ => EmulatorBackendName,
        };
        option.AcceptOnlyFromAmong(EmulatorBackendName, HostBackendName);
        return option;
    }

    private const string EmulatorBackendName = "emulator";
    private const string HostBackendName = "host";

    private static Option<string[]> PluginDirOption() => new("--plugin-dir")
    {
        HelpName = "DIR",
        Description = "Also load plugins from DIR: one plugin folder, or a folder of plugin folders. Repeatable.",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [],
    };

    /// <summary>The machine (<c>--memory</c>) and the run's bound (<c>--time-limit</c>) a command was given.</summary>
    private sealed record RunLimits(EmulatorOptions Machine, ScenarioRunOptions Run);

    private static RunLimits Limits(System.CommandLine.ParseResult r, Option<ulong?> memory, Option<TimeSpan?> time) =>
        new(MachineOptions.Machine(r.GetValue(memory)), new ScenarioRunOptions { TimeLimit = r.GetValue(time) ?? MachineOptions.DefaultTimeLimit });

    private static ServiceProvider Compose(IEnumerable<string> pluginDirs, string? arch, EmulatorOptions? machine)
    {
        var services = new ServiceCollection().AddPluginCatalog(pluginDirs);
        if (arch is not null)
            services.AddArchitecture(arch, machine);
        return services.BuildServiceProvider();
    }

    /// <summary>Resolves the catalog and, when <paramref name="stderr"/> is given, warns about each plugin that failed to load.</summary>
    private static PluginCatalog Catalog(ServiceProvider services, TextWriter? stderr)
    {
        var catalog = services.GetRequiredService<PluginCatalog>();
        if (stderr is not null)
            foreach (var failure in catalog.Failures)
                stderr.WriteLine($"pluggable: warning: plugin {failure.Name} not loaded ({failure.Path}): {failure.Reason}");
        return catalog;
    }

    /// <summary>Checked up front so that a typo in the last file does not cost the runs of the others.</summary>
    internal static void CheckFiles(string[] files)
    {
        foreach (var file in files)
            if (!File.Exists(file))
                throw new HostingException(Directory.Exists(file) ? $"{file}: is a directory, expected a scenario file" : $"{file}: no such file");
    }

    /// <summary>A factory of fresh emulator backends on the selected architecture (plugins are loaded on first use).</summary>
    private static Func<IScenarioBackend> EmulatorFactory(string arch, string[] pluginDirs, EmulatorOptions machine, TextWriter stderr)
    {
        var services = new Lazy<ServiceProvider>(() =>
        {
            var provider = Compose(pluginDirs, arch, machine);
            Catalog(provider, stderr);
            return provider;
        });
        return () => services.Value.GetRequiredService<Func<IScenarioBackend>>()();
    }

    private static int RunFiles(string[] files, string arch, string[] pluginDirs, string backendName, RunLimits limits, TextWriter stdout, TextWriter stderr)
    {
        CheckFiles(files);
        if (backendName == HostBackendName)
            return RunOnHost(files, limits.Run, stdout, stderr);

        using var services = Compose(pluginDirs, arch, limits.Machine);
        Catalog(services, stderr);
        var backend = services.GetRequiredService<Func<IScenarioBackend>>();
        return RunEach(files, backend, limits.Run, stdout, stderr);
    }

    private static int RunOnHost(string[] files, ScenarioRunOptions options, TextWriter stdout, TextWriter stderr)
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
        {
            stderr.WriteLine($"pluggable: the host backend is not available: {reason}");
            return 2;
        }
        return RunEach(files, () => new HostBackend(), options, stdout, stderr);
    }

    private static int RunEach(string[] files, Func<IScenarioBackend> backend, ScenarioRunOptions? options, TextWriter stdout, TextWriter stderr)
    {
        int worst = 0;
        for (int i = 0; i < files.Length; i++)
        {
            if (files.Length > 1)
            {
                if (i > 0)
                    stdout.WriteLine();
                stdout.WriteLine($"== {files[i]} ==");
            }
            worst = Math.Max(worst, ScenarioRunner.RunFile(files[i], backend, stdout, stderr, options));
        }
        return worst;
    }

    /// <summary>The scenario with tracing from its first command and a dump of every mapping at the end.</summary>
    private static int Inspect(string file, string arch, string[] pluginDirs, RunLimits limits, TextWriter stdout, TextWriter stderr)
    {
        CheckFiles([file]);
        using var services = Compose(pluginDirs, arch, limits.Machine);
        Catalog(services, stderr);
        var backend = services.GetRequiredService<Func<IScenarioBackend>>();
        return ScenarioRunner.RunText(file, ScenarioInstrumentation.TraceAndDump(File.ReadAllText(file)), backend, stdout, stderr, limits.Run);
    }

    private static int Demo(string arch, string[] pluginDirs, RunLimits limits, TextWriter stdout, TextWriter stderr)
    {
        using var services = Compose(pluginDirs, arch, limits.Machine);
        Catalog(services, stderr);
        var selected = services.GetRequiredService<SelectedArchitecture>();
        var backend = services.GetRequiredService<Func<IScenarioBackend>>();
        stdout.WriteLine($"# Pluggable demo on {selected}: a userfaultfd missing fault resolved with UFFDIO_COPY, then the page-table walk to the new page.");
        stdout.WriteLine("# Next: 'pluggable run FILE.scenario [--arch NAME[:option=value]] [--backend host]', 'pluggable inspect FILE', 'pluggable diff FILE...', 'pluggable archs', 'pluggable --help'.");
        return ScenarioRunner.RunText("demo.scenario", ReadDemo(), backend, stdout, stderr, limits.Run);
    }

    private static string ReadDemo()
    {
        using var stream = typeof(Commands).Assembly.GetManifestResourceStream(DemoResource)
            ?? throw new InvalidOperationException($"the demo scenario is missing from the build (resource {DemoResource})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
