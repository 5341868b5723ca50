namespace Pluggable.Core.Scenarios;

/// <summary><c>uffd NAME [features=F,...] [nonblock] [user-only] [via=syscall|dev] [noapi]</c>.</summary>
public sealed record UffdCommand(string Name, ulong Features, UffdCreateOptions Options, bool NoApi) : ScenarioCommand;

/// <summary><c>api NAME [features=F,...] [version=N]</c>; the version defaults to UFFD_API (0xAA).</summary>
public sealed record ApiCommand(string Name, ulong Features, ulong Version) : ScenarioCommand;

/// <summary><c>register NAME ADDR SIZE MODES</c>, MODES as UFFDIO_REGISTER_MODE_* bits.</summary>
public sealed record RegisterCommand(string Uffd, AddressExpr Address, SizeExpr Size, ulong Modes) : ScenarioCommand;

public sealed record UnregisterCommand(string Uffd, AddressExpr Address, SizeExpr Size) : ScenarioCommand;

/// <summary>The ioctls below carry their mode as the UFFDIO_*_MODE_* bits of their own ioctl.</summary>
public sealed record CopyCommand(string Uffd, AddressExpr Destination, AddressExpr Source, SizeExpr Size, ulong Mode) : ScenarioCommand;

public sealed record ZeropageCommand(string Uffd, AddressExpr Destination, SizeExpr Size, ulong Mode) : ScenarioCommand;

public sealed record ContinueCommand(string Uffd, AddressExpr Destination, SizeExpr Size, ulong Mode) : ScenarioCommand;

public sealed record PoisonCommand(string Uffd, AddressExpr Destination, SizeExpr Size, ulong Mode) : ScenarioCommand;

public sealed record MoveCommand(string Uffd, AddressExpr Destination, AddressExpr Source, SizeExpr Size, ulong Mode) : ScenarioCommand;

/// <summary><c>wp NAME ADDR SIZE on|off [dontwake]</c> (UFFDIO_WRITEPROTECT).</summary>
public sealed record WriteProtectCommand(string Uffd, AddressExpr Address, SizeExpr Size, ulong Mode) : ScenarioCommand;

public sealed record WakeCommand(string Uffd, AddressExpr Address, SizeExpr Size) : ScenarioCommand;

public sealed record ReadCommand(string Uffd) : ScenarioCommand;

public sealed record CloseCommand(string Uffd) : ScenarioCommand;
