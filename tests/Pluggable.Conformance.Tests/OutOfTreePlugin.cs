using System.Diagnostics;

namespace Pluggable.Conformance.Tests;

/// <summary>
/// The plugin project outside plugins/ that the matrix runs too, built as its author builds it: a
/// separate <c>dotnet build</c> of its own folder against this run's Pluggable.Core.dll, loaded from
/// its output with <c>--plugin-dir</c>'s loader. By default the RISC-V sample; with
/// <c>PLUGGABLE_PLUGIN_PROJECT=DIR</c> (tests/check-plugin) the project in DIR, and then only that
/// one: the in-tree plugins have their own runs. Its approved snapshots live in its own folder.
/// </summary>
internal static class OutOfTreePlugin
{
    public const string ProjectVariable = "PLUGGABLE_PLUGIN_PROJECT";

    private static readonly Lazy<string?> Chosen = new(() => Environment.GetEnvironmentVariable(ProjectVariable) is { Length: > 0 } dir ? Path.GetFullPath(dir) : null);

    /// <summary>Whether the run checks one plugin of the user's rather than the repository's plugins and sample.</summary>
    public static bool IsUsersPlugin => Chosen.Value is not null;

    public static string ProjectDirectory => Chosen.Value ?? Path.Combine(RepositoryPaths.Root, "samples", "RiscV");

    public static string SnapshotDirectory => Path.Combine(ProjectDirectory, "snapshots");

    /// <summary>
    /// Builds the project into a folder of its own and returns that folder, or throws with the build's
    /// output. The build runs with this test run's contract assembly (the PluggableCore property the
    /// plugin kit's project files take), so the plugin is compiled against the types it will meet.
    /// </summary>
    public static string Build()
    {
        if (!Directory.Exists(ProjectDirectory))
            throw new DirectoryNotFoundException($"{ProjectVariable}: no folder {ProjectDirectory}");
        // ApprovalTests writes a new plugin's first .received files here.
        Directory.CreateDirectory(SnapshotDirectory);
        string core = typeof(Pluggable.Core.Arch.IArchitecturePlugin).Assembly.Location;
        // In the project's own obj folder: ignored by its version control, and rebuilt incrementally.
        string output = Path.Combine(ProjectDirectory, "obj", "pluggable-check");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ProjectDirectory,
        };
        foreach (var argument in new[] { "build", ProjectDirectory, "-nologo", "-v:q", "-c", "Release", $"-p:PluggableCore={core}", "-o", output })
            start.ArgumentList.Add(argument);
        // The test host's MSBuild settings would point the child build at this run's SDK internals.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "VSTEST_HOST_DEBUG").ToList())
            start.Environment.Remove(name);
        using var build = Process.Start(start)!;
        var stdout = build.StandardOutput.ReadToEndAsync();
        string stderr = build.StandardError.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"dotnet build {ProjectDirectory} failed (exit {build.ExitCode}):\n{stdout.Result}{stderr}");
        return output;
    }
}
