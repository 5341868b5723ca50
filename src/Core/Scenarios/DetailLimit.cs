namespace Pluggable.Core.Scenarios;

/// <summary>
/// How many continuation lines one emulator-only command (<c>dump</c>, <c>gup ... dump</c>,
/// <c>trace</c>) prints at most. Those print per entry, page or hook call, and a terabyte range
/// holds tens of millions of them: past this, a command says what it left out instead, so that a
/// transcript, and the process holding it, stays bounded whatever the range.
/// </summary>
public static class DetailLimit
{
    public const int Lines = 1 << 16;
}
