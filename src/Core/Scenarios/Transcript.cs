namespace Pluggable.Core.Scenarios;

/// <summary>
/// The two output streams of a run, written a whole line at a time. Once the <c>end</c> line is
/// written nothing more reaches stdout; once a run is abandoned at its time limit nothing more
/// reaches stderr either, so the thread left behind cannot add to the output.
/// </summary>
internal sealed class Transcript(TextWriter stdout, TextWriter stderr)
{
    private readonly Lock _lock = new();
    private bool _ended;
    private bool _abandoned;

    public void Out(string line)
    {
        lock (_lock)
        {
            if (!_ended)
                stdout.WriteLine(line);
        }
    }

    public void Err(string line)
    {
        lock (_lock)
        {
            if (!_abandoned)
                stderr.WriteLine(line);
        }
    }

    /// <summary>Writes the <c>end</c> line unless one was written already; true when this call wrote it.</summary>
    public bool End(string line)
    {
        lock (_lock)
        {
            if (_ended)
                return false;
            stdout.WriteLine(line);
            stdout.Flush();
            _ended = true;
            return true;
        }
    }

    public void Abandon()
    {
        lock (_lock)
            _abandoned = true;
    }
}
