namespace Pluggable.Scenarios.Tests;

/// <summary>Reading a scenario file: bounded, strict UTF-8, one message for what is not a scenario.</summary>
public sealed class ScenarioFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluggable-scenario-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Utf8_text_is_read_as_is()
    {
        var path = Write("ok.scenario", "uffd u # é\n"u8.ToArray());
        Assert.True(ScenarioFile.TryRead(path, out var text, out var error));
        Assert.Null(error);
        Assert.Equal("uffd u # é\n", text);
    }

    [Fact]
    public void A_byte_that_is_not_utf8_is_named_with_its_line_and_column()
    {
        var path = Write("latin1.scenario", [.. "uffd u\nread u # caf"u8, 0xE9, .. "\n"u8]);
        Assert.False(ScenarioFile.TryRead(path, out _, out var error));
        Assert.Equal($"{path}:2:13: error: expected UTF-8 text, found byte 0xE9 (is this a binary file?)", error!.Line);
        Assert.Equal("line 2: expected UTF-8 text, found byte 0xE9 (is this a binary file?)", error.Reason);
    }

    [Fact]
    public void A_binary_file_gets_one_message()
    {
        var bytes = new byte[100_000];
        new Random(6).NextBytes(bytes);
        bytes[0] = 0x7f;
        bytes[1] = 0xC3;
        bytes[2] = 0x28;
        var path = Write("binary.scenario", bytes);
        var stdout = new StringWriter();
        var stderr = new StringWriter { NewLine = "\n" };
        Assert.Equal(2, ScenarioRunner.RunFile(path, () => new FakeBackend(), stdout, stderr));
        Assert.Equal("", stdout.ToString());
        Assert.Equal($"{path}:1:2: error: expected UTF-8 text, found byte 0xC3 (is this a binary file?)\n", stderr.ToString());
    }

    [Fact]
    public void A_file_past_the_size_limit_is_refused_without_reading_it_all()
    {
        var path = Path.Combine(_dir, "huge.scenario");
        using (var stream = File.Create(path))
            stream.SetLength(ScenarioFile.MaxBytes + 1L);
        Assert.False(ScenarioFile.TryRead(path, out _, out var error));
        Assert.Equal($"{path}: error: expected a scenario of at most 16 MiB, found a larger file", error!.Line);
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_at_the_limit()
    {
        Assert.False(ScenarioFile.TryRead("/dev/zero", out _, out var error));
        Assert.Equal("/dev/zero: error: expected a scenario of at most 16 MiB, found a larger file", error!.Line);
    }

    [Fact]
    public void A_random_device_is_binary_before_it_is_too_large()
    {
        Assert.False(ScenarioFile.TryRead("/dev/urandom", out _, out var error));
        Assert.Contains(": error: expected UTF-8 text, found byte 0x", error!.Line);
    }

    [Fact]
    public void A_directory_and_a_missing_file_cannot_be_read()
    {
        Assert.False(ScenarioFile.TryRead(_dir, out _, out var directory));
        Assert.Equal($"error: cannot read '{_dir}': is a directory", directory!.Line);
        Assert.False(ScenarioFile.TryRead(Path.Combine(_dir, "none"), out _, out var missing));
        Assert.Equal("cannot read: no such file", missing!.Reason);
    }
}
