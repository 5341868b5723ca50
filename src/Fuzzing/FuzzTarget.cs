namespace Pluggable.Fuzzing;

/// <summary>One machine the session fuzzes: an emulator configuration, what to generate for it, and where it runs.</summary>
/// <param name="Arch">The <c>--arch</c> value, for headers and re-run commands.</param>
public sealed record FuzzTarget(string Arch, GeneratorProfile Profile, IScenarioExecutor Emulator);
