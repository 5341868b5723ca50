using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>A command of the language (Commands section); sizes and addresses stay symbolic until run time.</summary>
public abstract record ScenarioCommand;

/// <summary><c>arch NAME</c>: the scenario is only for that architecture (<c>any</c> = portable).</summary>
public sealed record ArchCommand(string Name) : ScenarioCommand;

/// <summary><c>needs FEATURE|KEY=SIZE ...</c>: the scenario runs only where the kernel has each feature and each size is as given.</summary>
public sealed record NeedsCommand(IReadOnlyList<(string Key, SizeExpr Size)> Requirements, IReadOnlyList<string>? Features = null,
    IReadOnlyList<KernelCondition>? Releases = null) : ScenarioCommand;

public sealed record HugepagesCommand(SizeExpr Size, ulong Count) : ScenarioCommand;

/// <summary>
/// <c>default_hugepagesz SIZE [|| ARCH[:OPTION=VALUE,...]: SIZE]...</c>: the default huge page size
/// from here on, per architecture (the first alternative whose architecture matches, else the plain SIZE).
/// </summary>
public sealed record DefaultHugepageszCommand(SizeExpr Size, IReadOnlyList<(string Arch, SizeExpr Size)> Alternatives) : ScenarioCommand;

public sealed record ThpCommand(ThpPolicy Policy) : ScenarioCommand;

/// <summary><c>memfd NAME shmem|hugetlb SIZE [page=SIZE]</c>; page= picks a hugetlb file's huge page size (MFD_HUGE_*).</summary>
public sealed record MemfdCommand(string Name, bool Hugetlb, SizeExpr Size, SizeExpr? PageSize = null) : ScenarioCommand;

/// <summary><c>mmap LABEL anon SIZE [shared] [prot=P] [align=SIZE] [populate]</c>; no align means the PMD size.</summary>
public sealed record MmapAnonCommand(string Label, SizeExpr Size, bool Shared, Protection Protection, SizeExpr? Align, bool Populate) : ScenarioCommand;

/// <summary><c>mmap LABEL file=NAME [SIZE] [offset=SIZE] [private] [prot=P]</c>; no SIZE means the file's size.</summary>
public sealed record MmapFileCommand(string Label, string File, SizeExpr? Size, SizeExpr? Offset, bool Private, Protection Protection) : ScenarioCommand;

public sealed record MunmapCommand(AddressExpr Address, SizeExpr Size) : ScenarioCommand;

public sealed record MprotectCommand(AddressExpr Address, SizeExpr Size, Protection Protection) : ScenarioCommand;

public sealed record MadviseCommand(AddressExpr Address, SizeExpr Size, Advice Advice) : ScenarioCommand;

/// <summary><c>mremap LABEL NEWLABEL [size=SIZE]</c>: moves the whole mapping; no size keeps its size.</summary>
public sealed record MremapCommand(string Label, string NewLabel, SizeExpr? Size) : ScenarioCommand;

public sealed record ForkCommand(string Name) : ScenarioCommand;

/// <summary><c>in NAME COMMAND ...</c>: one command run in process NAME.</summary>
public sealed record InCommand(string Process, ScenarioCommand Command) : ScenarioCommand;
