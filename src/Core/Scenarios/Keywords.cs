using Pluggable.Core.Userfaultfd;

using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>The fixed vocabularies of the language (Commands section).</summary>
internal static class Keywords
{
    public static readonly KeywordTable<Protection> Protections = new(
        "a protection (none, r, rw, rx, rwx, x, w, wx)",
        ("none", Protection.None),
        ("r", Protection.Read),
        ("rw", Protection.Read | Protection.Write),
        ("rx", Protection.Read | Protection.Exec),
        ("rwx", Protection.Read | Protection.Write | Protection.Exec),
        ("x", Protection.Exec),
        ("w", Protection.Write),
        ("wx", Protection.Write | Protection.Exec));

    public static readonly KeywordTable<Advice> Advices = new(
        "an advice",
        ("dontneed", Advice.DontNeed),
        ("remove", Advice.Remove),
        ("pageout", Advice.PageOut),
        ("hugepage", Advice.HugePage),
        ("nohugepage", Advice.NoHugePage),
        ("collapse", Advice.Collapse),
        ("populate_read", Advice.PopulateRead),
        ("populate_write", Advice.PopulateWrite));

    public static readonly KeywordTable<ThpPolicy> ThpPolicies = new(
        "always, madvise or never",
        ("always", ThpPolicy.Always),
        ("madvise", ThpPolicy.Madvise),
        ("never", ThpPolicy.Never));

    public static readonly KeywordTable<bool> MemfdKinds = new("shmem or hugetlb", ("shmem", false), ("hugetlb", true));

    public static readonly KeywordTable<bool> AccessKinds = new("read or write", ("read", false), ("write", true));

    public static readonly KeywordTable<bool> OnOff = new("on or off", ("on", true), ("off", false));

    public static readonly KeywordTable<bool> UffdDevices = new("syscall or dev", ("syscall", false), ("dev", true));

    public static readonly KeywordTable<ulong> RegisterModes = new(
        "a mode (missing, wp, minor, none)",
        ("missing", UffdUapi.RegisterModeMissing),
        ("wp", UffdUapi.RegisterModeWp),
        ("minor", UffdUapi.RegisterModeMinor),
        ("none", 0UL));

    public static readonly KeywordTable<ulong> Features = BuildFeatures();

    private static KeywordTable<ulong> BuildFeatures()
    {
        var entries = new (string, ulong)[UffdUapi.FeatureNames.Length];
        for (int bit = 0; bit < entries.Length; bit++)
            entries[bit] = (UffdUapi.FeatureNames[bit], 1UL << bit);
        return new KeywordTable<ulong>("a feature", entries);
    }
}
