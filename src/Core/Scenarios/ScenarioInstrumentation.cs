namespace Pluggable.Core.Scenarios;

/// <summary>
/// Adds to a parsed scenario what makes its run show the architecture at work (<c>pluggable
/// inspect</c>, the snapshot matrix): <c>trace on</c> before the first command, <c>trace off</c>
/// after the last, then a dump of every mapping the first process made (its declared size, or one
/// base page when the size comes from the file). The script's own statements keep their lines and
/// expectations; the added ones are marked <see cref="Statement.Added"/>, so a dump of a mapping
/// whose <c>mmap</c> failed prints nothing.
/// </summary>
public static class ScenarioInstrumentation
{
    public static Script TraceAndDump(Script script)
    {
        var statements = new List<Statement>(script.Statements.Count + 8) { Added("trace on", new TraceCommand(true)) };
        statements.AddRange(script.Statements);
        statements.Add(Added("trace off", new TraceCommand(false)));

        var dumps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in script.Statements)
        {
            var (label, size) = statement.Command switch
            {
                MmapAnonCommand c => (c.Label, c.Size),
                MmapFileCommand c => (c.Label, c.Size ?? new SizeExpr(1, SizeUnit.Pages, "1p")),
                _ => (null, default),
            };
            if (label is null)
                continue;
            string echo = $"dump {label} {size.Text}";
            if (dumps.Add(echo))
                statements.Add(Added(echo, new DumpCommand(new AddressExpr(label, [], label), size)));
        }
        return script with { Statements = statements };
    }

    private static Statement Added(string echo, ScenarioCommand command) => new(0, echo, null, command) { Added = true };
}
