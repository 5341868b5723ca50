using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Pluggable.Core.Emulator;
using Pluggable.Fuzzing;
using Pluggable.Hosting;
using Pluggable.HostKernel;

namespace Pluggable.Cli;

/// <summary>
/// <c>pluggable fuzz</c>: random valid scenarios and mutated corpus files on the emulator (with its
/// consistency checks on), optionally compared with the live kernel; every new kind of failure is
/// minimized and kept as a scenario file. The emulator runs in a worker process
/// (<c>pluggable fuzz-worker</c>, hidden) so that a hang or runaway memory is found, not suffered.
/// </summary>
internal static class FuzzCommand
{
    private const string WorkerName = "fuzz-worker";
    private const string AllConfigurations = "all";

    /// <summary>The emulated machine of a fuzz run: small, so that its limits are reached.</summary>
    private const ulong DefaultMemory = 128UL << 20;

    /// <summary>What the worker may take beyond the emulated machine's memory: the runtime, the plugins, one transcript.</summary>
    private const ulong WorkerOverhead = 1UL << 30;

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var arch = new Option<string[]>("--arch")
        {
            HelpName = "NAME[:option=value,...]|all",
            Description = "The architecture configurations to fuzz, in turn (repeatable); 'all' is every configuration of every plugin. Default x86_64.",
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [ArchSpec.DefaultName],
        };
        var dirs = PluginDirs();
        var seed = new Option<string?>("--seed") { HelpName = "N", Description = "The session's seed (decimal or 0x hex); default: a new one, printed." };
        var count = new Option<int?>("--count") { HelpName = "N", Description = "Stop after N cases." };
        var time = new Option<string?>("--time") { HelpName = "DURATION", Description = "Stop after this long: 90s, 10m, 2h. Without --count or --time: 200 cases." };
        var mode = new Option<string>("--mode")
        {
            HelpName = "random|mutate|both",
            Description = "Random valid sequences, mutated corpus files, or both in turn (default).",
            DefaultValueFactory = _ => "both",
        };
        mode.AcceptOnlyFromAmong("random", "mutate", "both");
        var corpus = new Option<string?>("--corpus") { HelpName = "DIR", Description = "Scenario files to mutate; default tests/conformance under the current folder when there is one." };
        var against = new Option<string?>("--against") { HelpName = "host", Description = "Also run every random sequence on this machine's kernel and report where the transcripts differ (x86_64, root)." };
        against.AcceptOnlyFromAmong("host");
        var output = new Option<string>("--out")
        {
            HelpName = "DIR",
            Description = "Where findings are kept, one minimized scenario file each (default fuzz-findings).",
            DefaultValueFactory = _ => "fuzz-findings",
        };
        var memory = new Option<string?>("--memory") { HelpName = "SIZE", Description = "The emulated machine's memory (128m unless given): 256m, 2g." };

        var command = new Command("fuzz", "Search for inputs the emulator answers wrongly: random valid scenarios and mutated corpus files on every chosen configuration (internal errors, hangs, broken invariants, runaway memory), and with --against host differences from the live kernel. Exit 1 when anything was found.")
        {
            arch, dirs, seed, count, time, mode, corpus, against, output, memory,
        };
        command.SetAction(r => Run(new FuzzRequest(
            r.GetValue(arch)!, r.GetValue(dirs)!, r.GetValue(seed), r.GetValue(count), r.GetValue(time), r.GetValue(mode)!,
            r.GetValue(corpus), r.GetValue(against) is not null, r.GetValue(output)!, r.GetValue(memory)), stdout, stderr));
        return command;
    }

    /// <summary>The worker the fuzz command starts: reads scenarios on stdin, answers on stdout.</summary>
    public static Command BuildWorker(TextWriter stdout)
    {
        var dirs = PluginDirs();
        var memory = new Option<string>("--memory") { Required = true };
        var command = new Command(WorkerName, "Internal: runs scenarios for 'pluggable fuzz'.") { dirs, memory };
        command.Hidden = true;
        command.SetAction(r => Worker(r.GetValue(dirs)!, Size(r.GetValue(memory)!, "--memory"), stdout));
        return command;
    }

    private sealed record FuzzRequest(string[] Arch, string[] PluginDirs, string? Seed, int? Count, string? Time, string Mode,
        string? Corpus, bool AgainstHost, string Output, string? Memory);

    private static int Run(FuzzRequest request, TextWriter stdout, TextWriter stderr)
    {
        ulong memory = request.Memory is { } m ? Size(m, "--memory") : DefaultMemory;
        ulong seed = request.Seed is { } s ? Number(s, "--seed") : SeedText.Fresh();
        TimeSpan? duration = request.Time is { } t ? Duration(t) : null;
        int? count = request.Count ?? (duration is null ? 200 : null);
        if (count is <= 0)
            throw new HostingException($"--count must be at least 1, got {count}");

        using var services = new ServiceCollection().AddPluginCatalog(request.PluginDirs).BuildServiceProvider();
        var catalog = services.GetRequiredService<PluginCatalog>();
        foreach (var failure in catalog.Failures)
            stderr.WriteLine($"pluggable: warning: plugin {failure.Name} not loaded ({failure.Path}): {failure.Reason}");
        var machine = new EmulatorOptions { MemoryBytes = memory, DebugVm = true };
        var selected = Configurations(request.Arch, catalog);

        IScenarioExecutor? host = null;
        if (request.AgainstHost)
        {
            if (HostAvailability.WhyUnavailable() is { } reason)
            {
                stderr.WriteLine($"pluggable: the host backend is not available: {reason}");
                return 2;
            }
            if (selected.Any(c => c.Selected.Architecture.Name != HostArch))
                throw new HostingException($"--against host compares with this machine's kernel, which is {HostArch}: choose --arch {HostArch} configurations only");
            host = new SettlingExecutor(new InProcessExecutor("host", () => new HostBackend()), HostSettleLimit);
        }

        bool random = request.Mode != "mutate";
        var files = request.Mode == "random" ? [] : Corpus(request.Corpus, stderr, required: request.Mode == "mutate");
        using var worker = new WorkerExecutor(WorkerCommandFor(request.PluginDirs, memory), memory + WorkerOverhead);
        var targets = selected.Select(c => new FuzzTarget(c.Spec,
            host is null ? GeneratorProfile.ForEmulator(c.Selected.Architecture, machine) : GeneratorProfile.ForHostComparison(c.Selected.Architecture),
            worker.For(c.Spec))).ToList();
        var settings = new FuzzSettings
        {
            Targets = targets,
            Seed = seed,
            Count = count,
            Duration = duration,
            Generate = random,
            Corpus = files,
            Host = host,
            OutputDirectory = request.Output,
        };

        stdout.WriteLine($"fuzz: seed {SeedText.Format(seed)} on {string.Join(", ", targets.Select(t => t.Arch))}{(host is null ? "" : ", compared with the live kernel")}; "
            + $"{(count is { } c ? $"{c} cases" : $"for {duration}")}; findings go to {request.Output}");
        // Ctrl+C or a polite kill ends the search after the current case, so that its backend is
        // torn down (on the host: settings restored) and the summary printed.
        using var cancel = new CancellationTokenSource();
        Action<PosixSignalContext> stop = context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        };
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, stop);
        var summary = new FuzzSession(settings, stdout).Run(cancel.Token);
        FuzzSession.WriteSummary(summary, settings, stdout);
        return summary.Families.Count == 0 ? 0 : 1;
    }

    private const string HostArch = "x86_64";

    /// <summary>Long enough for the host backend's slowest teardown and its wait for the previous one.</summary>
    private static readonly TimeSpan HostSettleLimit = TimeSpan.FromSeconds(90);

    private sealed record Configuration(string Spec, SelectedArchitecture Selected);

    /// <summary>The configurations asked for, each checked against the plugins (a typo is a usage error naming what exists).</summary>
    private static List<Configuration> Configurations(string[] specs, PluginCatalog catalog)
    {
        var result = new List<Configuration>();
        foreach (var spec in specs)
        {
            var expanded = string.Equals(spec, AllConfigurations, StringComparison.OrdinalIgnoreCase)
                ? catalog.Plugins.SelectMany(p => PluginConfigurations.All(p.Plugin))
                : [spec];
            foreach (var one in expanded)
            {
                var selected = catalog.Select(one);
                string canonical = $"{selected.Plugin.Name}{(selected.Options.Count == 0 ? "" : ":" + PluginCatalog.FormatOptions(selected.Options))}";
                if (result.All(c => c.Spec != canonical))
                    result.Add(new Configuration(canonical, selected));
            }
        }
        if (result.Count == 0)
            throw new HostingException("no architecture plugin was loaded: 'pluggable archs' says why");
        return result;
    }

    private static List<CorpusFile> Corpus(string? directory, TextWriter stderr, bool required)
    {
        string dir = directory ?? Path.Combine("tests", "conformance");
        if (!Directory.Exists(dir))
        {
            if (directory is not null || required)
                throw new HostingException($"{dir}: no such folder of scenario files to mutate (--corpus DIR)");
            stderr.WriteLine($"pluggable: fuzz: no {dir} here to mutate, random sequences only (--corpus DIR to mutate another folder)");
            return [];
        }
        var files = Directory.GetFiles(dir, "*.scenario").Order(StringComparer.Ordinal).Select(f => new CorpusFile(f, File.ReadAllText(f))).ToList();
        if (files.Count == 0)
            throw new HostingException($"{dir}: no .scenario files to mutate");
        return files;
    }

    private static int Worker(string[] pluginDirs, ulong memory, TextWriter stdout)
    {
        using var services = new ServiceCollection().AddPluginCatalog(pluginDirs).BuildServiceProvider();
        var catalog = services.GetRequiredService<PluginCatalog>();
        var machine = new EmulatorOptions { MemoryBytes = memory, DebugVm = true };
        return FuzzWorker.Serve(Console.In, stdout, arch =>
        {
            var selected = catalog.Select(arch);
            return () => new EmulatorBackend(selected.Architecture, selected.Plugin.Plugin.Aliases, machine);
        });
    }

    /// <summary>
    /// This program again, as the worker: the apphost beside the assembly when there is one (it is
    /// in every build output), otherwise the assembly through the dotnet host that runs us.
    /// </summary>
    private static WorkerCommand WorkerCommandFor(string[] pluginDirs, ulong memory)
    {
        var arguments = new List<string> { WorkerName, "--memory", memory.ToString(CultureInfo.InvariantCulture) };
        foreach (var dir in pluginDirs)
            arguments.AddRange(["--plugin-dir", Path.GetFullPath(dir)]);
        string assembly = typeof(FuzzCommand).Assembly.Location;
        string apphost = Path.Combine(Path.GetDirectoryName(assembly)!, OperatingSystem.IsWindows() ? "pluggable.exe" : "pluggable");
        if (File.Exists(apphost))
            return new WorkerCommand(apphost, arguments);
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet");
        return new WorkerCommand(dotnet, ["exec", assembly, .. arguments]);
    }

    private static Option<string[]> PluginDirs() => new("--plugin-dir")
    {
        HelpName = "DIR",
        Description = "Also load plugins from DIR: one plugin folder, or a folder of plugin folders. Repeatable.",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [],
    };

    private static ulong Number(string text, string option) =>
        SeedText.TryParse(text, out ulong value) ? value : throw new HostingException($"{option}: '{text}' is not a number (decimal or 0x hex)");

    /// <summary>Bytes, or a number with k, m or g.</summary>
    private static ulong Size(string text, string option)
    {
        string t = text.Trim().ToLowerInvariant();
        int shift = t.EndsWith('k') ? 10 : t.EndsWith('m') ? 20 : t.EndsWith('g') ? 30 : 0;
        ulong number = Number(shift == 0 ? t : t[..^1], option);
        if (number == 0 || number > ulong.MaxValue >> shift)
            throw new HostingException($"{option}: '{text}' is not a usable size (bytes, or a number with k, m or g)");
        return number << shift;
    }

    /// <summary>Seconds, or a number with s, m or h.</summary>
    private static TimeSpan Duration(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        var (digits, unit) = t.Length == 0 ? (t, 1.0) : t[^1] switch
        {
            's' => (t[..^1], 1.0),
            'm' => (t[..^1], 60.0),
            'h' => (t[..^1], 3600.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) || amount <= 0)
            throw new HostingException($"--time: '{text}' is not a duration (90s, 10m, 2h)");
        return TimeSpan.FromSeconds(amount * unit);
    }
}
