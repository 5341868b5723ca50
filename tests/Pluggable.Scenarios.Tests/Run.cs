namespace Pluggable.Scenarios.Tests;

/// <summary>Runs scenario text on a backend and captures what the runner writes.</summary>
internal sealed record Run(int Exit, string Stdout, string Stderr)
{
    public const string File = "t.scenario";

    public static Run Text(string text, FakeBackend backend, ScenarioRunOptions? options = null)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.RunText(File, text, () => backend, stdout, stderr, options);
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }

    public static Run Text(string text) => Text(text, new FakeBackend());

    /// <summary>The transcript lines, without the final newline.</summary>
    public string[] Lines => Stdout.TrimEnd('\n').Split('\n');
}
