using CsCheck;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Fuzzing.Tests;

public class GeneratorTests
{
    private const int Iterations = 300;

    private static GeneratorProfile Emulator(string configuration) => GeneratorProfile.ForEmulator(Machines.Architecture(configuration), Machines.Options);

    private static GeneratorProfile Host => GeneratorProfile.ForHostComparison(Machines.Architecture("x86_64"));

    [Theory]
    [MemberData(nameof(Machines.ConfigurationData), MemberType = typeof(Machines))]
    public void Every_generated_scenario_parses(string configuration)
    {
        var profile = Emulator(configuration);
        Gen.ULong.Sample(seed =>
        {
            string text = ScenarioGenerator.Generate(profile, seed);
            var parsed = ScenarioParser.Parse("generated.scenario", text);
            Assert.True(parsed.Script is not null, $"seed {SeedText.Format(seed)}: {string.Join("\n", parsed.Errors)}\n{text}");
        }, iter: Iterations);
    }

    [Fact]
    public void The_same_seed_gives_the_same_scenario_and_another_seed_another() =>
        Gen.ULong.Sample(seed =>
        {
            Assert.Equal(ScenarioGenerator.Generate(Emulator("x86_64"), seed), ScenarioGenerator.Generate(Emulator("x86_64"), seed));
            Assert.NotEqual(ScenarioGenerator.Generate(Emulator("x86_64"), seed), ScenarioGenerator.Generate(Emulator("x86_64"), seed + 1));
        }, iter: 50);

    [Fact]
    public void Host_comparable_scenarios_leave_out_what_the_kernel_cannot_answer_alike() =>
        Gen.ULong.Sample(seed =>
        {
            string text = ScenarioGenerator.Generate(Host, seed);
            Assert.NotNull(ScenarioParser.Parse("generated.scenario", text).Script);
            foreach (var command in Commands(text))
            {
                string verb = command.Split(' ')[0];
                Assert.DoesNotContain(verb, (string[])["gup", "unpin", "dump", "trace"]);
                Assert.False(command.StartsWith("hugepages 1g", StringComparison.Ordinal), command);
                Assert.DoesNotContain("1023g", command);
                Assert.DoesNotContain("0xffffffffffffffff", command);
            }
        }, iter: Iterations);

    /// <summary>
    /// Over a few hundred scenarios every command, memory type, feature, mode and advice appears:
    /// a part of the language the generator never writes is a part the search never tests.
    /// </summary>
    [Fact]
    public void The_generator_covers_the_whole_language()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var profile = Emulator("x86_64");
        for (ulong seed = 0; seed < 600; seed++)
        {
            foreach (var line in ScenarioGenerator.Generate(profile, seed).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                seen.Add(line.StartsWith("in ", StringComparison.Ordinal) ? "in" : line.Split(' ')[0]);
                foreach (var word in Words(line))
                    seen.Add(word);
            }
        }

        string[] wanted =
        [
            "hugepages", "thp", "memfd", "mmap", "munmap", "mprotect", "madvise", "mremap", "fork", "in",
            "uffd", "api", "register", "unregister", "copy", "zeropage", "continue", "poison", "move", "wp", "wake", "read", "close",
            "touch", "fill", "check", "pagemap", "gup", "unpin", "dump", "trace",
            "anon", "shared", "private", "populate", "shmem", "hugetlb", "prot=none", "prot=r", "prot=rx", "prot=rwx", "align=", "offset=", "size=",
            "always", "madvise", "never", "dontneed", "remove", "pageout", "hugepage", "nohugepage", "collapse", "populate_read", "populate_write",
            "missing", "minor", "minor,wp", "missing,wp", "none",
            "nonblock", "user-only", "via=dev", "noapi", "version=", "dontwake", "allow-src-holes", "on", "off", "read", "write", "value=", "pageidx",
            "force", "pin", "longterm", "fast", "fast-only",
        ];
        var missing = wanted.Where(w => !seen.Contains(w)).Concat(UffdUapi.FeatureNames.Where(f => !seen.Contains("feature:" + f))).ToList();
        Assert.True(missing.Count == 0, $"never generated: {string.Join(", ", missing)}");
    }

    /// <summary>A quarter of the scenarios take another of the architecture's huge page sizes as the default, so runs and hugepds of every size are searched.</summary>
    [Fact]
    public void Some_scenarios_boot_with_another_default_huge_page()
    {
        var profile = Emulator("arm64");
        var boots = Enumerable.Range(0, 400).Select(seed => ScenarioGenerator.Generate(profile, (ulong)seed).Split('\n')[0])
            .Where(line => line.StartsWith("default_hugepagesz ", StringComparison.Ordinal)).ToList();
        Assert.InRange(boots.Count, 50, 150);
        Assert.Equal(["default_hugepagesz 32m", "default_hugepagesz 64k"], boots.Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>The words of a line, option keys kept with their '=' and each feature as feature:NAME.</summary>
    private static IEnumerable<string> Words(string line)
    {
        foreach (var word in line.Split(' '))
        {
            yield return word;
            int eq = word.IndexOf('=');
            if (eq > 0)
                yield return word[..(eq + 1)];
            if (word.StartsWith("features=", StringComparison.Ordinal))
                foreach (var feature in word["features=".Length..].Split(','))
                    yield return "feature:" + feature;
        }
    }

    private static IEnumerable<string> Commands(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.StartsWith("in ", StringComparison.Ordinal) ? string.Join(' ', l.Split(' ')[2..]) : l);
}
