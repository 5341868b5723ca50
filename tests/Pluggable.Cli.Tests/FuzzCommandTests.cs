namespace Pluggable.Cli.Tests;

/// <summary><c>pluggable fuzz</c> end to end: its worker is the pluggable beside the tests.</summary>
public class FuzzCommandTests
{
    [Fact]
    public void A_short_search_prints_its_seed_and_summary_and_keeps_what_it_finds()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "findings");

        var run = CliRun.Of("fuzz", "--mode", "random", "--count", "4", "--seed", "0x2a", "--out", output, "--arch", "x86_64:levels=5");

        Assert.True(run.ExitCode is 0 or 1, $"exit {run.ExitCode}\n{run.Err}\n{run.Out}");
        Assert.StartsWith("fuzz: seed 0x000000000000002a on x86_64:levels=5,pku=on; 4 cases; findings go to ", run.Out);
        Assert.Contains("fuzz: 4 cases (4 random) in ", run.Out);
        var kept = Directory.Exists(output) ? Directory.GetFiles(output, "*.scenario") : [];
        Assert.Equal(run.ExitCode == 1, kept.Length > 0);
        foreach (var file in kept)
            Assert.StartsWith("# pluggable fuzz: ", File.ReadAllText(file));
        run.AssertNoStackTrace();
    }

    [Fact]
    public void Mutation_takes_the_corpus_it_is_given()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "corpus"));
        File.WriteAllText(Path.Combine(dir.Path, "corpus", "one.scenario"), "mmap a anon 4p => ok\nfill a 4p 0x11 => ok\ncheck a 4p 0x11 => ok\n");

        var run = CliRun.Of("fuzz", "--mode", "mutate", "--corpus", Path.Combine(dir.Path, "corpus"), "--count", "3", "--seed", "7", "--out", Path.Combine(dir.Path, "out"));

        Assert.True(run.ExitCode is 0 or 1, $"exit {run.ExitCode}\n{run.Err}\n{run.Out}");
        Assert.Contains("fuzz: 3 cases (3 mutated) in ", run.Out);
    }

    [Theory]
    [InlineData("--count", "0", "--count must be at least 1")]
    [InlineData("--time", "soon", "--time: 'soon' is not a duration (90s, 10m, 2h)")]
    [InlineData("--seed", "-1", "--seed: '-1' is not a number (decimal or 0x hex)")]
    [InlineData("--memory", "lots", "--memory: 'lots' is not a number (decimal or 0x hex)")]
    [InlineData("--arch", "sparc64", "unknown architecture 'sparc64'; available: ")]
    [InlineData("--corpus", "/nonexistent/corpus", "/nonexistent/corpus: no such folder of scenario files to mutate (--corpus DIR)")]
    public void Bad_options_are_usage_errors_that_say_what_was_expected(string option, string value, string message)
    {
        var run = option == "--count" ? CliRun.Of("fuzz", option, value) : CliRun.Of("fuzz", option, value, "--count", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err);
        run.AssertNoStackTrace();
    }

    [Fact]
    public void Against_the_host_only_the_host_architecture_is_compared()
    {
        var run = CliRun.Of("fuzz", "--against", "host", "--arch", "arm64", "--count", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Matches("the host backend is not available|--against host compares with this machine's kernel, which is x86_64", run.Err);
        run.AssertNoStackTrace();
    }
}
