using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>Syntax of the set-up commands (Commands, "Set-up").</summary>
internal static class SetupGrammar
{
    private static readonly OptionSpec AnonOptions = new(["shared", "populate"], ["prot", "align"]);
    private static readonly OptionSpec FileOptions = new(["private"], ["offset", "prot"]);
    private static readonly OptionSpec HugetlbFileOptions = new([], ["page"]);
    private static readonly OptionSpec MremapOptions = new([], ["size"]);
    private static readonly string[] MmapKinds = ["anon", "file="];
    private const string MmapKindExpected = "anon or file=NAME";

    public static ScenarioCommand Arch(LineCursor c)
    {
        var name = c.Next("an architecture name");
        c.End();
        return new ArchCommand(name.Text);
    }

    /// <summary>The sizes a <c>needs</c> line can ask for; their values are plain sizes (no architecture units).</summary>
    internal static readonly OptionSpec NeedsOptions = new(BackendFacts.FeatureNames, ["page", "hugepage", "pmd", "pool"]);

    public static ScenarioCommand DefaultHugepagesz(LineCursor c)
    {
        var size = PlainSize(c.Next("a huge page size"));
        var alternatives = new List<(string, SizeExpr)>();
        while (!c.AtEnd)
        {
            var bar = c.Next("'||'");
            if (bar.Text != "||")
                throw ParseErrorException.At(bar, "'||' before another architecture's size");
            var arch = c.Next("an architecture and a colon (arm64: or powerpc:mmu=8xx:)");
            if (arch.Text.Length < 2 || !arch.Text.EndsWith(':') || !ValueScanner.IsName(arch.Text[..arch.Text.IndexOf(':')].Replace('-', '_'), allowAt: false))
                throw ParseErrorException.At(arch, "an architecture and a colon (arm64: or powerpc:mmu=8xx:)");
            alternatives.Add((arch.Text[..^1], PlainSize(c.Next("a huge page size"))));
        }
        return new DefaultHugepageszCommand(size, alternatives);
    }

    /// <summary>A size in bytes, k, m or g: what a huge page size is on the kernel command line.</summary>
    private static SizeExpr PlainSize(Token token)
    {
        var size = ValueScanner.Size(token);
        if (size.Unit is SizeUnit.Pages or SizeUnit.HugePages or SizeUnit.PmdSizes)
            throw ParseErrorException.At(token, "a size in bytes, k, m or g");
        return size;
    }

    public static ScenarioCommand Needs(LineCursor c)
    {
        if (c.AtEnd)
            throw new ParseErrorException(c.Line.Line, c.Line.EndColumn,
                "a requirement (thp, uffd-wp, uffd-minor, 64bit, page=SIZE, hugepage=SIZE, pmd=SIZE, pool=SIZE or linux>=VERSION)", null, null);
        var releases = new List<KernelCondition>();
        var options = c.Options(NeedsOptions, word =>
        {
            if (!KernelCondition.TryParse(word.Text, out var condition))
                return false;
            releases.Add(condition);
            return true;
        });
        var requirements = new List<(string, SizeExpr)>();
        foreach (var (key, token) in options.Values)
        {
            var size = ValueScanner.Size(token);
            if (size.Unit is SizeUnit.Pages or SizeUnit.HugePages or SizeUnit.PmdSizes)
                throw ParseErrorException.At(token, "a size in bytes, k, m or g");
            requirements.Add((key, size));
        }
        return new NeedsCommand(requirements, [.. BackendFacts.FeatureNames.Where(options.Has)], releases);
    }

    public static ScenarioCommand Hugepages(LineCursor c)
    {
        var size = c.Size();
        ulong count = c.Number();
        c.End();
        return new HugepagesCommand(size, count);
    }

    public static ScenarioCommand Thp(LineCursor c)
    {
        var policy = c.Keyword(Keywords.ThpPolicies);
        c.End();
        return new ThpCommand(policy);
    }

    public static ScenarioCommand Memfd(LineCursor c)
    {
        string name = c.Name("a memory file name");
        bool hugetlb = c.Keyword(Keywords.MemfdKinds);
        var size = c.Size();
        if (!hugetlb)
        {
            c.End();
            return new MemfdCommand(name, false, size);
        }
        var options = c.Options(HugetlbFileOptions);
        if (options.Value("page") is { } page)
            return new MemfdCommand(name, true, size, ValueScanner.Size(page));
        return new MemfdCommand(name, hugetlb, size);
    }

    public static ScenarioCommand Mmap(LineCursor c)
    {
        string label = c.Label();
        var kind = c.Next(MmapKindExpected);
        if (kind.Text == "anon")
            return MmapAnon(c, label);
        if (kind.Text.StartsWith("file=", StringComparison.Ordinal))
            return MmapFile(c, label, ValueScanner.Name(kind.Slice(5), "a memory file name"));

        int eq = kind.Text.IndexOf('=');
        string? closest = eq > 0
            ? (Suggestions.IsWithin(kind.Text[..eq], "file", 1) ? "file" + kind.Text[eq..] : null)
            : Suggestions.Closest(kind.Text, MmapKinds);
        throw ParseErrorException.At(kind, MmapKindExpected, closest);
    }

    private static MmapAnonCommand MmapAnon(LineCursor c, string label)
    {
        var size = c.Size();
        var options = c.Options(AnonOptions);
        return new MmapAnonCommand(
            label,
            size,
            options.Has("shared"),
            ProtectionOption(options),
            options.Value("align") is { } align ? ValueScanner.Size(align) : null,
            options.Has("populate"));
    }

    private static MmapFileCommand MmapFile(LineCursor c, string label, string file)
    {
        SizeExpr? size = c.Peek() is { } next && char.IsAsciiDigit(next.Text[0]) ? c.Size() : null;
        var options = c.Options(FileOptions);
        return new MmapFileCommand(
            label,
            file,
            size,
            options.Value("offset") is { } offset ? ValueScanner.Size(offset) : null,
            options.Has("private"),
            ProtectionOption(options));
    }

    private static Protection ProtectionOption(ParsedOptions options) =>
        options.Value("prot") is { } prot ? Keywords.Protections.Parse(prot) : Protection.Read | Protection.Write;

    public static ScenarioCommand Munmap(LineCursor c)
    {
        var address = c.Address();
        var size = c.Size();
        c.End();
        return new MunmapCommand(address, size);
    }

    public static ScenarioCommand Mprotect(LineCursor c)
    {
        var address = c.Address();
        var size = c.Size();
        var protection = c.Keyword(Keywords.Protections);
        c.End();
        return new MprotectCommand(address, size, protection);
    }

    public static ScenarioCommand Madvise(LineCursor c)
    {
        var address = c.Address();
        var size = c.Size();
        var advice = c.Keyword(Keywords.Advices);
        c.End();
        return new MadviseCommand(address, size, advice);
    }

    public static ScenarioCommand Mremap(LineCursor c)
    {
        string label = c.Label();
        string newLabel = c.Label();
        var options = c.Options(MremapOptions);
        return new MremapCommand(label, newLabel, options.Value("size") is { } size ? ValueScanner.Size(size) : null);
    }

    public static ScenarioCommand Fork(LineCursor c)
    {
        string name = c.Name("a process name");
        c.End();
        return new ForkCommand(name);
    }
}
