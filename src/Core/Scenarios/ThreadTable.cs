namespace Pluggable.Core.Scenarios;

/// <summary>A parked thread: its transcript name (<c>t1</c>, ...) and the command it is running.</summary>
internal sealed record ParkedThread(string Name, int Number, CommandContext Context);

/// <summary>
/// Names parked threads <c>t1</c>, <c>t2</c>, ... in the order they block, global across processes
/// (Output), and maps the backend's thread handles to them.
/// </summary>
internal sealed class ThreadTable
{
    private readonly Dictionary<int, ParkedThread> _byHandle = [];
    private int _blocked;

    public ParkedThread Park(int handle, CommandContext context)
    {
        var thread = new ParkedThread($"t{++_blocked}", _blocked, context);
        _byHandle[handle] = thread;
        return thread;
    }

    /// <summary>A thread that woke and blocked again keeps its name, whatever handle the backend now gives it.</summary>
    public void Repark(int handle, ParkedThread thread) => _byHandle[handle] = thread;

    public ParkedThread Take(int handle)
    {
        if (!_byHandle.Remove(handle, out var thread))
            throw new InvalidOperationException($"the backend finished thread handle {handle}, which is not parked");
        return thread;
    }

    /// <summary>The names of the threads still parked, in thread order: <c>t1,t3</c>; null when none.</summary>
    public string? Parked()
    {
        if (_byHandle.Count == 0)
            return null;
        var threads = new List<ParkedThread>(_byHandle.Values);
        threads.Sort(static (x, y) => x.Number.CompareTo(y.Number));
        var names = new string[threads.Count];
        for (int i = 0; i < names.Length; i++)
            names[i] = threads[i].Name;
        return string.Join(',', names);
    }
}
