using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Pluggable.Core.Emulator;
using Pluggable.Core.Kernel;

namespace Pluggable.Cli;

/// <summary>
/// The options that size the emulated machine and bound a run: <c>--memory SIZE</c> and
/// <c>--time-limit SECONDS</c>, with their parsing and their messages.
/// </summary>
internal static class MachineOptions
{
    /// <summary>The host runner's bound, which the emulator shares.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(20);

    private const string MemoryForm = "a size such as 512m, 4g or 1073741824 (bytes, or units k, m, g, t)";

    public static Option<ulong?> Memory(string defaultDescription) => new("--memory")
    {
        HelpName = "SIZE",
        Description = $"The emulated machine's RAM (MemTotal): what it can fault in before the OOM killer acts, and what overcommit compares a mapping with; {defaultDescription}.",
        CustomParser = ParseMemory,
    };

    public static Option<TimeSpan?> TimeLimit() => new("--time-limit")
    {
        HelpName = "SECONDS",
        Description = $"Stop a scenario that runs longer (end -> timeout, exit 3); default {DefaultTimeLimit.TotalSeconds:0}.",
        CustomParser = ParseTimeLimit,
    };

    public static Option<LinuxVersion?> Kernel() => new("--kernel")
    {
        HelpName = "VERSION",
        Description = $"The Linux release the emulator models: {string.Join(", ", LinuxVersion.Modelled)} "
            + $"(default {LinuxVersion.Default}): the userfaultfd features and ioctls it offers and the behaviours that changed between them.",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            var version = LinuxVersion.ParseModelled(text, out var error);
            if (version is null)
                result.AddError($"--kernel: {error}");
            return version;
        },
    };

    public static Option<bool> DebugVm() => new("--debug-vm")
    {
        Description = "Run the page-table and page-count consistency checker after every command (as the tests and 'fuzz' do): " +
            "a plugin whose entries break the core's rules stops at the first command with a DEBUG_VM: message.",
    };

    /// <summary>The machine for <paramref name="memory"/>, or the default one when it is not given; with the checker when asked.</summary>
    public static EmulatorOptions Machine(ulong? memory, bool debugVm = false, LinuxVersion? kernel = null)
    {
        var machine = memory is { } bytes ? new EmulatorOptions { MemoryBytes = bytes } : EmulatorOptions.Default;
        if (kernel is { } release)
            machine = machine with { Kernel = release };
        return debugVm ? machine with { DebugVm = true } : machine;
    }

    private static ulong? ParseMemory(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!TryParseSize(text, out ulong bytes))
        {
            result.AddError($"--memory: expected {MemoryForm}, got '{text}'");
            return null;
        }
        if (bytes < EmulatorOptions.MinimumMemoryBytes)
        {
            result.AddError($"--memory: the machine needs at least 32m, got '{text}'");
            return null;
        }
        return bytes;
    }

    private static TimeSpan? ParseTimeLimit(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            || seconds <= 0 || seconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            result.AddError($"--time-limit: expected a number of seconds greater than 0 and at most a day, such as 20 or 0.5, got '{text}'");
            return null;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>A decimal or 0x number of bytes with an optional unit k, m, g or t (powers of 1024).</summary>
    internal static bool TryParseSize(string text, out ulong bytes)
    {
        bytes = 0;
        if (text.Length == 0)
            return false;
        int shift = char.ToLowerInvariant(text[^1]) switch { 'k' => 10, 'm' => 20, 'g' => 30, 't' => 40, _ => 0 };
        string digits = shift == 0 ? text : text[..^1];
        bool parsed = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out bytes);
        if (!parsed || (shift > 0 && bytes > ulong.MaxValue >> shift))
            return false;
        bytes <<= shift;
        return true;
    }
}
