namespace Pluggable.Core.Scenarios;

/// <summary>
/// A script error found while running (unknown label, size overflow): the command's result becomes
/// <c>error: MESSAGE</c> and the run ends with exit status 2 (Output, "Errors in the script itself").
/// </summary>
internal sealed class ScriptErrorException(string message) : Exception(message);
