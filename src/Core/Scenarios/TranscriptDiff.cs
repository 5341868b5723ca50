namespace Pluggable.Core.Scenarios;

/// <summary>One line where two transcripts of the same script disagree; null where a side has no such line.</summary>
/// <param name="Line">The script line of the command the transcript lines belong to; 0 for the <c>end</c> line.</param>
public sealed record TranscriptDifference(int Line, string? Left, string? Right);

/// <summary>
/// Compares two transcripts of one script (say the emulator's and the host's) command by command:
/// a command line answered <c>unsupported</c> on either side is skipped, as are the emulator-only
/// <c>  | </c> detail lines; continuation lines are compared in order within their command.
/// </summary>
public static class TranscriptDiff
{
    public static IReadOnlyList<TranscriptDifference> Compare(Script script, string left, string right)
    {
        var leftBlocks = Blocks(left);
        var rightBlocks = Blocks(right);
        var differences = new List<TranscriptDifference>();
        int count = Math.Max(leftBlocks.Count, rightBlocks.Count);
        for (int i = 0; i < count; i++)
        {
            var l = i < leftBlocks.Count ? leftBlocks[i] : [];
            var r = i < rightBlocks.Count ? rightBlocks[i] : [];
            int line = i < script.Statements.Count ? script.Statements[i].Line : 0;
            int lines = Math.Max(l.Count, r.Count);
            for (int j = 0; j < lines; j++)
            {
                string? a = j < l.Count ? l[j] : null;
                string? b = j < r.Count ? r[j] : null;
                if (a == b || (j == 0 && (IsUnsupported(a) || IsUnsupported(b))))
                    continue;
                differences.Add(new TranscriptDifference(line, a, b));
            }
        }
        return differences;
    }

    private static bool IsUnsupported(string? line) => line is not null && line.EndsWith(" -> unsupported", StringComparison.Ordinal);

    /// <summary>The transcript cut into commands: each command line with its continuation lines, detail lines left out.</summary>
    private static List<List<string>> Blocks(string transcript)
    {
        var blocks = new List<List<string>>();
        foreach (var raw in transcript.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith("  | ", StringComparison.Ordinal))
                continue;
            if (line.StartsWith("  ", StringComparison.Ordinal) && blocks.Count > 0)
                blocks[^1].Add(line);
            else
                blocks.Add([line]);
        }
        return blocks;
    }
}
