namespace Pluggable.Core.Scenarios;

/// <summary><c>gup ADDR NPAGES [write] [force] [pin] [longterm] [fast] [fast-only] [dump]</c> (Emulator only).</summary>
public sealed record GupCommand(AddressExpr Address, ulong Pages, bool Write, bool Force, bool Pin, bool LongTerm, bool Fast, bool FastOnly, bool Dump) : ScenarioCommand;

public sealed record UnpinCommand(AddressExpr Address, ulong Pages) : ScenarioCommand;

/// <summary><c>refs ADDR SIZE</c> (Emulator only).</summary>
public sealed record RefsCommand(AddressExpr Address, SizeExpr Size) : ScenarioCommand;

public sealed record DumpCommand(AddressExpr Address, SizeExpr Size) : ScenarioCommand;

public sealed record TraceCommand(bool On) : ScenarioCommand;
