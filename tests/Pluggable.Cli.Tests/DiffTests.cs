using System.Reflection;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;
using Pluggable.Hosting;

namespace Pluggable.Cli.Tests;

/// <summary>
/// How <c>diff</c> reports a file, with emulators standing in for the host so that no machine-wide
/// setting is touched: a failure is shown as the failure, and skipping is agreed on.
/// </summary>
public class DiffTests
{
    private static readonly Lazy<SelectedArchitecture> X86 = new(() =>
        PluginCatalog.Discover(new McMasterPluginLoader(), []).Select(ArchSpec.DefaultName));

    private static readonly ScenarioRunOptions Limits = new() { TimeLimit = MachineOptions.DefaultTimeLimit };

    private static IScenarioBackend Emulator() => new EmulatorBackend(X86.Value.Architecture, X86.Value.Plugin.Plugin.Aliases);

    [Fact]
    public void AnEmulatorFailure_IsShownWithWhatItSaid_NotAsAMissingLine()
    {
        using var dir = new TempDir();
        var file = dir.File("f.scenario", "mmap a anon 1p\ntouch a read\nmmap b anon 1p\n");
        var stdout = new StringWriter { NewLine = "\n" };

        var (status, word) = BackendDiff.CompareFile(file, () => FailingBackend.Wrap(Emulator(), "Touch"), "x86_64", Emulator, "host", Limits, stdout, TextWriter.Null);

        Assert.Equal((1, "differ"), (status, word));
        string output = stdout.ToString();
        Assert.Contains("     2  end -> error ", output);
        Assert.Contains("| touch a read -> ok 0x00\n", output);
        Assert.True(output.Contains($"  emulator said: {file}:2: error: the emulator x86_64 (levels=4,pku=on) backend failed: VM_BUG_ON(test) (InvalidOperationException)\n"), output);
    }

    [Fact]
    public void AFileForAnotherArchitecture_IsSkippedOnBothSides()
    {
        using var dir = new TempDir();
        var file = dir.File("f.scenario", "arch arm64\nmmap a anon 1p\n");
        var stdout = new StringWriter { NewLine = "\n" };
        int hostRuns = 0;

        var (status, word) = BackendDiff.CompareFile(file, Emulator, "x86_64", () => { hostRuns++; return Emulator(); }, "host", Limits, stdout, TextWriter.Null);

        Assert.Equal((0, "skipped"), (status, word));
        Assert.Equal(0, hostRuns);
        Assert.Equal($"{file}: skipped on both sides: the emulator (x86_64) does not run it (arch arm64, and this is x86_64)\n", stdout.ToString());
    }

    [Fact]
    public void Expectations_DoNotMakeADifference()
    {
        using var dir = new TempDir();
        var file = dir.File("f.scenario", "mmap a anon 1p => EINVAL\n");
        var stdout = new StringWriter { NewLine = "\n" };
        Assert.Equal((0, "agree"), BackendDiff.CompareFile(file, Emulator, "x86_64", Emulator, "host", Limits, stdout, TextWriter.Null));
        Assert.Equal($"{file}: emulator and host agree\n", stdout.ToString());
    }
}

/// <summary>A backend that forwards every call but one, which throws as a broken invariant would.</summary>
public class FailingBackend : DispatchProxy
{
    private IScenarioBackend _inner = null!;
    private string _failing = "";

    public static IScenarioBackend Wrap(IScenarioBackend inner, string failing)
    {
        var proxy = Create<IScenarioBackend, FailingBackend>();
        var self = (FailingBackend)(object)proxy;
        self._inner = inner;
        self._failing = failing;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == _failing)
            throw new InvalidOperationException("VM_BUG_ON(test)");
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw inner;
        }
    }
}
