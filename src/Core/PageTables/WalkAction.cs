namespace Pluggable.Core.PageTables;

/// <summary>What a range walk does after one of its callbacks.</summary>
/// Kernel: walk->action (ACTION_CONTINUE, ACTION_AGAIN) and a callback's nonzero return, which ends walk_page_range().
public enum WalkAction
{
    /// <summary>Go on: into the table just announced, or past the entry just handled.</summary>
    Continue,

    /// <summary>Read the same slot again: the callback changed it (split a leaf into a table).</summary>
    Again,

    /// <summary>Only from a hole: create the missing table and go into it (the walk of a caller that installs entries).</summary>
    Install,

    /// <summary>End the walk here (the task was killed, or the caller has what it wanted).</summary>
    Stop,
}
