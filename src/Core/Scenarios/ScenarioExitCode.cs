namespace Pluggable.Core.Scenarios;

/// <summary>Exit status of a scenario run (Output, "Exit status").</summary>
public static class ScenarioExitCode
{
    public const int Ok = 0;
    public const int ExpectationFailed = 1;
    public const int ScriptError = 2;
    public const int Timeout = 3;
}
