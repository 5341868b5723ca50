namespace Pluggable.Fuzzing.Tests;

/// <summary>A run's output is kept within bounds, with its start, its end line and a count of what was left out.</summary>
public class BoundedTranscriptTests
{
    [Fact]
    public void Short_output_is_kept_whole()
    {
        var transcript = new BoundedTranscript { NewLine = "\n" };
        transcript.WriteLine("mmap a anon 1p -> ok");
        transcript.WriteLine("end -> ok");

        Assert.Equal("mmap a anon 1p -> ok\nend -> ok\n", transcript.ToString());
    }

    [Fact]
    public void Long_output_keeps_its_head_and_its_last_whole_lines()
    {
        var transcript = new BoundedTranscript { NewLine = "\n" };
        string line = new string('x', 99);
        const int Lines = 100_000;
        for (int i = 0; i < Lines; i++)
            transcript.WriteLine(line);
        transcript.WriteLine("end -> ok");

        string kept = transcript.ToString();
        Assert.InRange(kept.Length, BoundedTranscript.HeadChars, BoundedTranscript.HeadChars + BoundedTranscript.TailChars + 100);
        Assert.StartsWith(line + "\n", kept, StringComparison.Ordinal);
        Assert.EndsWith($"\n{line}\nend -> ok\n", kept, StringComparison.Ordinal);
        var marker = kept.Split('\n').Single(l => l.StartsWith("[fuzz: ", StringComparison.Ordinal));
        long omitted = long.Parse(marker.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        long written = Lines * 100L + "end -> ok\n".Length;
        Assert.Equal(written, BoundedTranscript.HeadChars + omitted + (kept.Length - kept.IndexOf(marker, StringComparison.Ordinal) - marker.Length - 1));
    }
}
