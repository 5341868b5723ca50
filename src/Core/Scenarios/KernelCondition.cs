using Pluggable.Core.Kernel;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// A release condition in an alternative's selector: <c>linux&lt;6.13</c>, <c>linux&lt;=6.12</c>,
/// <c>linux&gt;=6.10</c>, <c>linux&gt;6.12</c>, <c>linux=6.12</c>. A backend whose release is not known
/// (null) meets none, so its answer is the expectation's first text.
/// </summary>
public readonly record struct KernelCondition(string Operator, LinuxVersion Version)
{
    private const string Prefix = "linux";
    private static readonly string[] Operators = ["<=", ">=", "<", ">", "="];

    public static bool TryParse(string text, out KernelCondition condition)
    {
        condition = default;
        if (!text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        string rest = text[Prefix.Length..];
        foreach (var op in Operators)
        {
            if (rest.StartsWith(op, StringComparison.Ordinal) && LinuxVersion.TryParse(rest[op.Length..], out var version)
                && rest[op.Length..].Split('.').Length == 2)
            {
                condition = new KernelCondition(op, version);
                return true;
            }
        }
        return false;
    }

    public bool Holds(LinuxVersion? kernel) => kernel is { } k && Operator switch
    {
        "<=" => k <= Version,
        ">=" => k >= Version,
        "<" => k < Version,
        ">" => k > Version,
        _ => k == Version,
    };

    public override string ToString() => $"{Prefix}{Operator}{Version}";
}
