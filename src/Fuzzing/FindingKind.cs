namespace Pluggable.Fuzzing;

/// <summary>What is wrong with a run.</summary>
public enum FindingKind
{
    /// <summary>An exception escaped the emulator (not a named kernel assertion), an exit status outside 0..3, a stack trace, or an error without a message.</summary>
    InternalError,

    /// <summary>A kernel assertion (BUG, VM_BUG_ON, WARN) or a consistency check failed: the emulator's bookkeeping is broken.</summary>
    InvariantBroken,

    /// <summary>The run did not finish within its time limit.</summary>
    Hang,

    /// <summary>The emulator grew past the machine's memory and a bounded overhead.</summary>
    RunawayMemory,

    /// <summary>The emulator and the live kernel answered the same script differently.</summary>
    Divergence,

    /// <summary>A generated scenario that does not parse or names something it never made: the generator's own bug.</summary>
    InvalidScenario,
}

public static class FindingKinds
{
    /// <summary>Words for headers and file names: <c>internal error</c>, <c>invariant broken</c>, ...</summary>
    public static string Describe(this FindingKind kind) => kind switch
    {
        FindingKind.InternalError => "internal error",
        FindingKind.InvariantBroken => "invariant broken",
        FindingKind.Hang => "hang",
        FindingKind.RunawayMemory => "runaway memory",
        FindingKind.Divergence => "divergence",
        _ => "invalid generated scenario",
    };

    public static string Slug(this FindingKind kind) => kind.Describe().Replace(' ', '-');
}
