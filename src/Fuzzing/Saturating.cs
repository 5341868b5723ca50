namespace Pluggable.Fuzzing;

/// <summary>Size arithmetic that stops at the largest value instead of wrapping to a small one.</summary>
internal static class Saturating
{
    public static ulong Add(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;

    public static ulong Times(ulong a, ulong b) => b != 0 && a > ulong.MaxValue / b ? ulong.MaxValue : a * b;
}
