using System.Text.Json;

namespace Pluggable.Fuzzing;

/// <summary>One scenario for the worker to run on the emulator for <paramref name="Arch"/> (an <c>--arch</c> value): a JSON object on one line of its standard input.</summary>
public sealed record WorkerRequest(string Arch, string Text, double LimitSeconds);

/// <summary>The worker's answer: a JSON object on one line of its standard output.</summary>
/// <param name="Restart">The worker exits after this answer: a thread of the run may still be busy in it.</param>
public sealed record WorkerResponse(RunEnd End, int ExitCode, string Stdout, string Stderr, double Seconds, bool Restart);

/// <summary>The line format both sides of the worker pipe use.</summary>
internal static class WorkerProtocol
{
    public static string Write<T>(T message) => JsonSerializer.Serialize(message);

    public static T Read<T>(string line) =>
        JsonSerializer.Deserialize<T>(line) ?? throw new InvalidDataException($"the worker pipe carried 'null' where a {typeof(T).Name} was expected");
}
