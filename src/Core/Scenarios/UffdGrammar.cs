using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Scenarios;

/// <summary>Syntax of the userfaultfd commands (Commands, "userfaultfd").</summary>
internal static class UffdGrammar
{
    private static readonly OptionSpec CreateOptions = new(["nonblock", "user-only", "noapi"], ["features", "via"]);
    private static readonly OptionSpec ApiOptions = new([], ["features", "version"]);
    private static readonly OptionSpec CopyOptions = OptionSpec.Flags("dontwake", "wp");
    private static readonly OptionSpec DontWakeOnly = OptionSpec.Flags("dontwake");
    private static readonly OptionSpec MoveOptions = OptionSpec.Flags("dontwake", "allow-src-holes");

    public static ScenarioCommand Uffd(LineCursor c)
    {
        string name = c.UffdName();
        var options = c.Options(CreateOptions);
        bool viaDevice = options.Value("via") is { } via && Keywords.UffdDevices.Parse(via);
        return new UffdCommand(
            name,
            options.Value("features") is { } features ? ValueScanner.Features(features) : 0,
            new UffdCreateOptions(options.Has("nonblock"), options.Has("user-only"), viaDevice),
            options.Has("noapi"));
    }

    public static ScenarioCommand Api(LineCursor c)
    {
        string name = c.UffdName();
        var options = c.Options(ApiOptions);
        return new ApiCommand(
            name,
            options.Value("features") is { } features ? ValueScanner.Features(features) : 0,
            options.Value("version") is { } version ? ValueScanner.Number(version) : UffdUapi.Api);
    }

    public static ScenarioCommand Register(LineCursor c)
    {
        string name = c.UffdName();
        var address = c.Address();
        var size = c.Size();
        ulong modes = ValueScanner.RegisterModes(c.Next("a comma list of modes"));
        c.End();
        return new RegisterCommand(name, address, size, modes);
    }

    public static ScenarioCommand Unregister(LineCursor c)
    {
        string name = c.UffdName();
        var address = c.Address();
        var size = c.Size();
        c.End();
        return new UnregisterCommand(name, address, size);
    }

    public static ScenarioCommand Copy(LineCursor c)
    {
        string name = c.UffdName();
        var dst = c.Address();
        var src = c.Address();
        var size = c.Size();
        var options = c.Options(CopyOptions);
        ulong mode = (options.Has("dontwake") ? UffdUapi.CopyModeDontWake : 0) | (options.Has("wp") ? UffdUapi.CopyModeWp : 0);
        return new CopyCommand(name, dst, src, size, mode);
    }

    public static ScenarioCommand Zeropage(LineCursor c)
    {
        string name = c.UffdName();
        var dst = c.Address();
        var size = c.Size();
        var options = c.Options(DontWakeOnly);
        return new ZeropageCommand(name, dst, size, options.Has("dontwake") ? UffdUapi.ZeropageModeDontWake : 0);
    }

    public static ScenarioCommand Continue(LineCursor c)
    {
        string name = c.UffdName();
        var dst = c.Address();
        var size = c.Size();
        var options = c.Options(CopyOptions);
        ulong mode = (options.Has("dontwake") ? UffdUapi.ContinueModeDontWake : 0) | (options.Has("wp") ? UffdUapi.ContinueModeWp : 0);
        return new ContinueCommand(name, dst, size, mode);
    }

    public static ScenarioCommand Poison(LineCursor c)
    {
        string name = c.UffdName();
        var dst = c.Address();
        var size = c.Size();
        var options = c.Options(DontWakeOnly);
        return new PoisonCommand(name, dst, size, options.Has("dontwake") ? UffdUapi.PoisonModeDontWake : 0);
    }

    public static ScenarioCommand Move(LineCursor c)
    {
        string name = c.UffdName();
        var dst = c.Address();
        var src = c.Address();
        var size = c.Size();
        var options = c.Options(MoveOptions);
        ulong mode = (options.Has("dontwake") ? UffdUapi.MoveModeDontWake : 0)
            | (options.Has("allow-src-holes") ? UffdUapi.MoveModeAllowSrcHoles : 0);
        return new MoveCommand(name, dst, src, size, mode);
    }

    public static ScenarioCommand WriteProtect(LineCursor c)
    {
        string name = c.UffdName();
        var address = c.Address();
        var size = c.Size();
        bool on = c.Keyword(Keywords.OnOff);
        var options = c.Options(DontWakeOnly);
        ulong mode = (on ? UffdUapi.WriteProtectModeWp : 0) | (options.Has("dontwake") ? UffdUapi.WriteProtectModeDontWake : 0);
        return new WriteProtectCommand(name, address, size, mode);
    }

    public static ScenarioCommand Wake(LineCursor c)
    {
        string name = c.UffdName();
        var address = c.Address();
        var size = c.Size();
        c.End();
        return new WakeCommand(name, address, size);
    }

    public static ScenarioCommand Read(LineCursor c)
    {
        string name = c.UffdName();
        c.End();
        return new ReadCommand(name);
    }

    public static ScenarioCommand Close(LineCursor c)
    {
        string name = c.UffdName();
        c.End();
        return new CloseCommand(name);
    }
}
