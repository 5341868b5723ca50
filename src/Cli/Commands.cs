using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Pluggable.Core.Emulator;
using Pluggable.Core.Kernel;
using Pluggable.Core.Scenarios;
using Pluggable.Hosting;
using Pluggable.HostKernel;
using Pluggable.HostKernel.Vm;

namespace Pluggable.Cli;

/// <summary>
/// The command tree of <c>pluggable</c> (System.CommandLine) and what each command does. Each
/// command is built by a method of its own from the shared option factories below, so a new
/// command is one more method and one more <c>root.Add</c>.
/// </summary>
internal static class Commands
{
    private const string DemoResource = "Pluggable.Cli.Demo.demo.scenario";
    private const string EmulatorBackendName = "emulator";
    private const string HostBackendName = "host";
    private const string VmBackendPrefix = "vm:";
    private const string DefaultMemory = "default 4g";

    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = Root(stdout, stderr);
        root.Add(Run(stdout, stderr));
        root.Add(Diff(stdout, stderr));
        root.Add(Inspect(stdout, stderr));
        root.Add(Archs(stdout));
        root.Add(Features(stdout, stderr));
        root.Add(NewPlugin(stdout));
        root.Add(FuzzCommand.Build(stdout, stderr));
        root.Add(FuzzCommand.BuildWorker(stdout));
        return root;
    }

    private static RootCommand Root(TextWriter stdout, TextWriter stderr)
    {
        var arch = ArchOption();
        var dirs = PluginDirOption();
        var memory = MachineOptions.Memory(DefaultMemory);
        var time = MachineOptions.TimeLimit();
        var kernel = MachineOptions.Kernel();
        var root = new RootCommand(
            "Pluggable: Linux memory management and userfaultfd, emulated, with each CPU architecture in a plugin. " +
            "Without a command, runs a bundled demo scenario.")
        {
            arch,
            dirs,
            memory,
            time,
            kernel,
        };
        root.SetAction(r => Demo(r.GetValue(arch)!, r.GetValue(dirs)!, Limits(r, memory, time, kernel), stdout, stderr));
        return root;
    }

    private static Command Run(TextWriter stdout, TextWriter stderr)
    {
        var files = FilesArgument("Scenario files (.scenario) to run, in order.");
        var arch = ArchOption();
        var dirs = PluginDirOption();
        var backend = BackendOption();
        var memory = MachineOptions.Memory(DefaultMemory);
        var time = MachineOptions.TimeLimit();
        var kernel = MachineOptions.Kernel();
        var debugVm = MachineOptions.DebugVm();
        var run = new Command("run", "Run scenario files on the emulator with the selected architecture, or on this machine's kernel (--backend host); " +
            "the exit status is the worst of the files', and several files end with a summary on stderr.")
        {
            files,
            arch,
            dirs,
            backend,
            memory,
            time,
            kernel,
            debugVm,
        };
        UsageErrors.RefuseOptionsAsFiles(run, files);
        run.SetAction(r =>
        {
            if (r.GetValue(debugVm) && string.Equals(r.GetValue(backend), HostBackendName, StringComparison.OrdinalIgnoreCase))
            {
                stderr.WriteLine("pluggable: --debug-vm checks the emulator's tables and counts; the host backend runs on the live kernel");
                return 2;
            }
            return RunFiles(r.GetValue(files)!, r.GetValue(arch)!, r.GetValue(dirs)!, r.GetValue(backend)!, Limits(r, memory, time, kernel, debugVm), stdout, stderr);
        });
        return run;
    }

    private static Command Diff(TextWriter stdout, TextWriter stderr)
    {
        var files = FilesArgument("Scenario files (.scenario) to compare, in order.");
        var arch = ArchOption();
        var dirs = PluginDirOption();
        var memory = MachineOptions.Memory("default: this machine's MemTotal, so that both sides do the same overcommit arithmetic");
        var time = MachineOptions.TimeLimit();
        var kernel = MachineOptions.Kernel();
        var against = AgainstOption();
        var diff = new Command("diff", "Run scenario files on the emulator and on a real kernel (this machine's, or one under QEMU with --against vm:NAME) "
            + "and print the lines where the transcripts differ; exit 1 on any difference.")
        {
            files,
            arch,
            dirs,
            memory,
            time,
            kernel,
            against,
        };
        UsageErrors.RefuseOptionsAsFiles(diff, files);
        diff.SetAction(r =>
        {
            var limits = Limits(r, memory, time, kernel);
            string real = r.GetValue(against)!;
            if (!real.StartsWith(VmBackendPrefix, StringComparison.Ordinal))
            {
                var machine = limits.Machine with { MemoryBytes = r.GetValue(memory) ?? HostMemory.TotalBytes() ?? limits.Machine.MemoryBytes };
                var emulator = Emulator(r.GetValue(arch)!, r.GetValue(dirs)!, machine, stderr);
                return BackendDiff.Run(r.GetValue(files)!, emulator, null, limits.Run, stdout, stderr);
            }
            CheckFiles(r.GetValue(files)!);
            using var vm = BootVm(real, stderr);
            // The emulator models the guest's release unless told otherwise.
            var release = r.GetValue(kernel) ?? (LinuxVersion.TryParse(vm.Spec.KernelVersion, out var v) ? v : LinuxVersion.Default);
            var vmMachine = limits.Machine with { MemoryBytes = r.GetValue(memory) ?? vm.MemoryBytes, Kernel = release };
            string emulatorArch = r.GetResult(arch) is { Implicit: false } ? r.GetValue(arch)! : vm.Spec.Emulator;
            return BackendDiff.Run(r.GetValue(files)!, Emulator(emulatorArch, r.GetValue(dirs)!, vmMachine, stderr), vm, limits.Run, stdout, stderr);
        });
        return diff;
    }

    private static Command Inspect(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "The scenario file (.scenario) to inspect." };
        var arch = ArchOption();
        var dirs = PluginDirOption();
        var memory = MachineOptions.Memory(DefaultMemory);
        var time = MachineOptions.TimeLimit();
        var kernel = MachineOptions.Kernel();
        var debugVm = MachineOptions.DebugVm();
        var inspect = new Command("inspect", "Run a scenario on the emulator with every architecture hook traced, then dump the page tables of each of its mappings.")
        {
            file,
            arch,
            dirs,
            memory,
            time,
            kernel,
            debugVm,
        };
        UsageErrors.RefuseOptionsAsFiles(inspect, file);
        inspect.SetAction(r => InspectFile(r.GetValue(file)!, r.GetValue(arch)!, r.GetValue(dirs)!, Limits(r, memory, time, kernel, debugVm), stdout, stderr));
        return inspect;
    }

    private static Command Archs(TextWriter stdout)
    {
        var dirs = PluginDirOption();
        var archs = new Command("archs", "List the architecture plugins found, their options and configurations, and the plugins that failed to load.")
        {
            dirs,
        };
        archs.SetAction(r =>
        {
            using var services = Compose(r.GetValue(dirs)!, arch: null, machine: null);
            return ArchsListing.Write(services.GetRequiredService<PluginCatalog>(), stdout);
        });
        return archs;
    }

    private static Command Features(TextWriter stdout, TextWriter stderr)
    {
        var arch = ArchOption();
        var dirs = PluginDirOption();
        var kernel = MachineOptions.Kernel();
        var features = new Command("features", "Print what a Linux release offers on an architecture, as the emulator models it: "
            + "the userfaultfd features, register modes and ioctls per kind of memory, huge page sizes and THP.")
        {
            arch,
            dirs,
            kernel,
        };
        features.SetAction(r =>
        {
            using var emulator = Emulator(r.GetValue(arch)!, r.GetValue(dirs)!, EmulatorOptions.Default, stderr);
            return FeaturesListing.Write(emulator.Selected.Architecture, r.GetValue(kernel) ?? LinuxVersion.Default, stdout);
        });
        return features;
    }

    private static Command NewPlugin(TextWriter stdout)
    {
        var name = new Argument<string>("NAME") { Description = "The architecture's name, as --arch will take it (lower case: riscv64, loongarch64)." };
        var output = new Option<string>("--out")
        {
            HelpName = "DIR",
            Description = "The folder to create (default: ./NAME); it must not exist or be empty.",
        };
        var command = new Command("new-plugin", "Start an architecture plugin project outside this repository: the RISC-V sample under your names, " +
            "referencing this installation's Pluggable.Core; it builds with 'dotnet build' in its folder and loads with --plugin-dir.")
        {
            name,
            output,
        };
        command.SetAction(r =>
        {
            string arch = r.GetValue(name)!;
            using (var services = Compose([], arch: null, machine: null))
            {
                if (services.GetRequiredService<PluginCatalog>().Find(arch) is { } taken)
                    throw new PluginKit.KitException($"'{arch}' is already a name or alias of the plugin {taken.Name} ({taken.AssemblyPath}); --arch could not tell them apart");
            }
            var written = PluginKit.PluginKit.Create(arch, r.GetValue(output) ?? arch);
            string folder = Path.GetDirectoryName(written[0])!;
            stdout.WriteLine($"new plugin '{arch}' in {folder}:");
            foreach (var file in written)
                stdout.WriteLine($"  {Path.GetFileName(file)}");
            stdout.WriteLine($"next: cd {folder} && dotnet build, then {PluginKit.PluginKit.Command} archs --plugin-dir {Path.Combine(folder, "bin", "Debug", "net10.0")} (README.md has the rest)");
            return 0;
        });
        return command;
    }

    private static Argument<string[]> FilesArgument(string description) =>
        new("FILE") { Arity = ArgumentArity.OneOrMore, Description = description };

    private static Option<string> ArchOption() => new("--arch")
    {
        HelpName = "NAME[:option=value,...]",
        Description = "The architecture plugin (name or alias, any case) and its options; 'pluggable archs' lists them.",
        DefaultValueFactory = _ => ArchSpec.DefaultName,
    };

    /// <summary><c>--backend emulator|host|vm:NAME</c>, in any case, as <c>--arch</c> takes names.</summary>
    private static Option<string> BackendOption() => new("--backend")
    {
        HelpName = "emulator|host|vm:NAME",
        Description = "Where scenarios run: the emulator (with --arch), this machine's Linux kernel (x86_64, root), "
            + "or a real kernel booted under QEMU ('pluggable archs' lists the VM kernels).",
        DefaultValueFactory = _ => EmulatorBackendName,
        CustomParser = result => ParseBackend(result, [EmulatorBackendName, HostBackendName]),
    };

    /// <summary><c>--against host|vm:NAME</c>: the real kernel <c>diff</c> compares the emulator with.</summary>
    private static Option<string> AgainstOption() => new("--against")
    {
        HelpName = "host|vm:NAME",
        Description = "The real kernel to compare with: this machine's (host, the default) or one booted under QEMU (vm:NAME; "
            + "then --arch defaults to the emulator configuration of the same machine).",
        DefaultValueFactory = _ => HostBackendName,
        CustomParser = result => ParseBackend(result, [HostBackendName]),
    };

    private static string? ParseBackend(System.CommandLine.Parsing.ArgumentResult result, string[] names)
    {
        string word = result.Tokens[^1].Value;
        foreach (var name in names)
        {
            if (string.Equals(word, name, StringComparison.OrdinalIgnoreCase))
                return name;
        }
        if (word.StartsWith(VmBackendPrefix, StringComparison.OrdinalIgnoreCase) && word.Length > VmBackendPrefix.Length)
        {
            try
            {
                return VmBackendPrefix + VmCatalog.Find(word[VmBackendPrefix.Length..]).Name;
            }
            catch (VmException e)
            {
                result.AddError(e.Message);
                return null;
            }
        }
        string[] all = [.. names, VmBackendPrefix + "NAME"];
        string hint = Suggestions.Closest(word.ToLowerInvariant(), names) is { } closest ? $" (did you mean '{closest}'?)" : "";
        result.AddError($"unknown backend {ScenarioDiagnostic.Quote(word)}{hint}; expected {string.Join(" or ", all)}");
        return null;
    }

    private static Option<string[]> PluginDirOption() => new("--plugin-dir")
    {
        HelpName = "DIR",
        Description = "Also load plugins from DIR: one plugin folder (or its build output), or a folder of plugin folders. Repeatable.",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [],
    };

    /// <summary>The machine (<c>--memory</c>) and the run's bound (<c>--time-limit</c>) a command was given.</summary>
    private sealed record RunLimits(EmulatorOptions Machine, ScenarioRunOptions Run);

    private static RunLimits Limits(System.CommandLine.ParseResult r, Option<ulong?> memory, Option<TimeSpan?> time, Option<LinuxVersion?> kernel, Option<bool>? debugVm = null) =>
        new(MachineOptions.Machine(r.GetValue(memory), debugVm is not null && r.GetValue(debugVm), r.GetValue(kernel)),
            new ScenarioRunOptions { TimeLimit = r.GetValue(time) ?? MachineOptions.DefaultTimeLimit });

    private static ServiceProvider Compose(IEnumerable<string> pluginDirs, string? arch, EmulatorOptions? machine)
    {
        var services = new ServiceCollection().AddPluginCatalog(pluginDirs);
        if (arch is not null)
            services.AddArchitecture(arch, machine);
        return services.BuildServiceProvider();
    }

    /// <summary>Resolves the catalog and warns on <paramref name="stderr"/> about each plugin that failed to load.</summary>
    private static void WarnAboutFailures(ServiceProvider services, TextWriter stderr)
    {
        foreach (var failure in services.GetRequiredService<PluginCatalog>().Failures)
            stderr.WriteLine($"pluggable: warning: plugin {failure.Name} not loaded ({failure.Path}): {failure.Reason}");
    }

    /// <summary>Checked up front so that a typo in the last file does not cost the runs of the others.</summary>
    internal static void CheckFiles(string[] files)
    {
        foreach (var file in files)
        {
            if (!File.Exists(file))
                throw new HostingException(Directory.Exists(file) ? $"{file}: is a directory, expected a scenario file" : $"{file}: no such file");
        }
    }

    /// <summary>
    /// A factory of fresh emulator backends on the selected architecture. The plugins are loaded and
    /// the architecture selected now, so that a bad <c>--arch</c> is reported before any file runs.
    /// </summary>
    private static Emulator Emulator(string arch, string[] pluginDirs, EmulatorOptions machine, TextWriter stderr)
    {
        var services = Compose(pluginDirs, arch, machine);
        WarnAboutFailures(services, stderr);
        var selected = services.GetRequiredService<SelectedArchitecture>();
        return new Emulator(services, selected, services.GetRequiredService<Func<IScenarioBackend>>());
    }

    private static int RunFiles(string[] files, string arch, string[] pluginDirs, string backendName, RunLimits limits, TextWriter stdout, TextWriter stderr)
    {
        CheckFiles(files);
        if (backendName == HostBackendName)
            return RunOnHost(files, limits.Run, stdout, stderr);
        if (backendName.StartsWith(VmBackendPrefix, StringComparison.Ordinal))
        {
            using var vm = BootVm(backendName, stderr);
            return RunEach(files, () => vm.NewBackend(stderr), limits.Run, stdout, stderr);
        }

        using var emulator = Emulator(arch, pluginDirs, limits.Machine, stderr);
        return RunEach(files, emulator.Backend, limits.Run, stdout, stderr);
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

    /// <summary>Boots the kernel of <c>vm:NAME</c> and says so, with the time it took, on <paramref name="stderr"/>.</summary>
    /// <exception cref="VmException">It cannot be booted.</exception>
    internal static VmSession BootVm(string backendName, TextWriter stderr)
    {
        var vm = VmSession.Boot(backendName[VmBackendPrefix.Length..], stderr);
        stderr.WriteLine($"pluggable: {vm.Name}: Linux {vm.Release}, {vm.Facts.PageSize / 1024}K pages, booted in {vm.BootTime.TotalSeconds:0.0} s");
        stderr.Flush();
        return vm;
    }

    /// <summary>Each file under a <c>== FILE ==</c> header when there are several, then their summary on stderr.</summary>
    private static int RunEach(string[] files, Func<IScenarioBackend> backend, ScenarioRunOptions? options, TextWriter stdout, TextWriter stderr)
    {
        var summary = new RunSummary();
        for (int i = 0; i < files.Length; i++)
        {
            if (files.Length > 1)
            {
                if (i > 0)
                    stdout.WriteLine();
                stdout.WriteLine($"== {files[i]} ==");
            }
            summary.Add(files[i], ScenarioRunner.ExecuteFile(files[i], backend, stdout, stderr, options));
        }
        if (files.Length > 1)
        {
            stdout.Flush();
            summary.Write(stderr);
        }
        return summary.ExitCode;
    }

    /// <summary>The scenario with tracing from its first command and a dump of every mapping at the end.</summary>
    private static int InspectFile(string file, string arch, string[] pluginDirs, RunLimits limits, TextWriter stdout, TextWriter stderr)
    {
        CheckFiles([file]);
        using var emulator = Emulator(arch, pluginDirs, limits.Machine, stderr);
        if (ScenarioRunner.Load(file, stderr, out var failure) is not { } script)
            return failure!.ExitCode;
        return ScenarioRunner.Run(ScenarioInstrumentation.TraceAndDump(script), emulator.Backend, stdout, stderr, limits.Run);
    }

    private static int Demo(string arch, string[] pluginDirs, RunLimits limits, TextWriter stdout, TextWriter stderr)
    {
        using var emulator = Emulator(arch, pluginDirs, limits.Machine, stderr);
        stdout.WriteLine($"# Pluggable demo on {emulator.Selected}: a userfaultfd missing fault resolved with UFFDIO_COPY, then the page-table walk to the new page.");
        stdout.WriteLine("# Next: 'pluggable run FILE.scenario [--arch NAME[:option=value]] [--backend host]', 'pluggable inspect FILE', 'pluggable diff FILE...', 'pluggable archs', 'pluggable --help'.");
        return ScenarioRunner.RunText("demo.scenario", ReadDemo(), emulator.Backend, stdout, stderr, limits.Run);
    }

    /// <summary>The bundled demo scenario (also read by the tests, which run it on every configuration).</summary>
    internal static string ReadDemo()
    {
        using var stream = typeof(Commands).Assembly.GetManifestResourceStream(DemoResource)
            ?? throw new InvalidOperationException($"the demo scenario is missing from the build (resource {DemoResource})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>The emulator on the selected architecture: the services that loaded it, and a factory of fresh backends.</summary>
internal sealed record Emulator(ServiceProvider Services, SelectedArchitecture Selected, Func<IScenarioBackend> Backend) : IDisposable
{
    public void Dispose() => Services.Dispose();
}
