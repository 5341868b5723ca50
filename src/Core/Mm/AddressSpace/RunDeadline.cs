namespace Pluggable.Core.Mm;

/// <summary>
/// The run's time limit as the core's long loops see it. Loops call <see cref="Check"/> at every
/// step; every so many steps it reads the clock, and past the limit it throws
/// <see cref="TimeLimitExceededException"/>, which unwinds the command to the runner
/// (<c>end -&gt; timeout</c>). The state left behind is only torn down, never used again.
/// </summary>
/// Kernel: none (the runner's limit); its checks sit where the kernel's long loops call cond_resched().
public sealed class RunDeadline
{
    /// <summary>Steps between two looks at the clock: a few microseconds of work.</summary>
    private const int Stride = 64;

    private long _deadlineTicks = long.MaxValue;
    private int _countdown = Stride;

    /// <summary>The limit was reached: what the machine holds may be half-changed.</summary>
    public bool Expired { get; private set; }

    /// <summary>Stops the run <paramref name="remaining"/> from now.</summary>
    public void Set(TimeSpan remaining)
    {
        long now = Environment.TickCount64;
        _deadlineTicks = remaining.TotalMilliseconds >= long.MaxValue - now ? long.MaxValue : now + (long)Math.Max(0, remaining.TotalMilliseconds);
    }

    /// <exception cref="TimeLimitExceededException">The run's time is up.</exception>
    public void Check()
    {
        if (--_countdown > 0)
            return;
        _countdown = Stride;
        if (Environment.TickCount64 >= _deadlineTicks)
        {
            Expired = true;
            throw new TimeLimitExceededException();
        }
    }
}

/// <summary>The run's time limit was reached in the middle of a command.</summary>
public sealed class TimeLimitExceededException() : Exception("the run's time limit was reached");
