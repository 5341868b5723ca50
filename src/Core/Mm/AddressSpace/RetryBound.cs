namespace Pluggable.Core.Mm;

/// <summary>
/// The bound on a loop that tries the same step again after changing something (a fault handled, a
/// huge entry split), as the kernel's fault and walk loops do. Every retry must let the next
/// attempt get further; a step tried <see cref="Limit"/> times at the same place is a broken
/// invariant, and the exception names the loop and the address it was stuck at.
/// </summary>
/// <param name="loop">What the loop is, for the message (a constant: nothing is formatted until it fails).</param>
public struct RetryBound(string loop)
{
    /// <summary>Far more attempts than any step needs: a fault that splits, then copies, then resolves a marker takes three.</summary>
    public const int Limit = 16;

    private ulong _at = ulong.MaxValue;
    private int _tries;

    /// <summary>Counts one attempt at <paramref name="address"/>; a new address starts the count again.</summary>
    /// <exception cref="InvalidOperationException">The step was tried <see cref="Limit"/> times at that address.</exception>
    public void Attempt(ulong address)
    {
        if (address != _at)
        {
            _at = address;
            _tries = 0;
        }
        if (++_tries > Limit)
            throw new InvalidOperationException($"BUG: {loop} made no progress at 0x{address:x} in {Limit} attempts");
    }
}
