namespace Pluggable.Hosting;

/// <summary>
/// What the user asked for with <c>--arch NAME[:option=value,...]</c>, parsed but not yet checked
/// against any plugin: <see cref="PluginCatalog.Select(ArchSpec)"/> resolves the name (or alias) and
/// the options.
/// </summary>
public sealed record ArchSpec(string Name, IReadOnlyList<KeyValuePair<string, string>> Options)
{
    /// <summary>The architecture used when none is asked for.</summary>
    public const string DefaultName = "x86_64";

    /// <exception cref="HostingException">The text is not <c>NAME[:option=value,...]</c>.</exception>
    public static ArchSpec Parse(string text)
    {
        const string form = "expected NAME[:option=value,...]";
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':');
        var name = (colon < 0 ? trimmed : trimmed[..colon]).Trim();
        if (name.Length == 0)
            throw new HostingException($"bad architecture '{text}': {form}");
        if (colon < 0)
            return new ArchSpec(name, []);

        var options = new List<KeyValuePair<string, string>>();
        foreach (var part in trimmed[(colon + 1)..].Split(','))
        {
            var eq = part.IndexOf('=');
            var key = eq < 0 ? part.Trim() : part[..eq].Trim();
            var value = eq < 0 ? "" : part[(eq + 1)..].Trim();
            if (key.Length == 0 || value.Length == 0)
                throw new HostingException($"bad architecture '{text}': option '{part.Trim()}' is not option=value; {form}");
            if (options.Any(o => string.Equals(o.Key, key, StringComparison.OrdinalIgnoreCase)))
                throw new HostingException($"bad architecture '{text}': option '{key}' is given twice");
            options.Add(new(key, value));
        }
        return new ArchSpec(name, options);
    }

    public override string ToString() =>
        Options.Count == 0 ? Name : $"{Name}:{string.Join(",", Options.Select(o => $"{o.Key}={o.Value}"))}";
}
