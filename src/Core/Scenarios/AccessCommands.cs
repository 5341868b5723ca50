namespace Pluggable.Core.Scenarios;

/// <summary><c>touch ADDR read|write [value=BYTE]</c>; a write without a value writes 0x01.</summary>
public sealed record TouchCommand(AddressExpr Address, bool Write, byte Value) : ScenarioCommand;

public sealed record FillCommand(AddressExpr Address, SizeExpr Size, BytePattern Pattern) : ScenarioCommand;

public sealed record CheckCommand(AddressExpr Address, SizeExpr Size, BytePattern Pattern) : ScenarioCommand;

public sealed record PagemapCommand(AddressExpr Address, SizeExpr Size) : ScenarioCommand;

/// <summary><c>iouring register NAME ADDR SIZE</c>, <c>xdp register NAME ADDR SIZE</c>.</summary>
public sealed record LongTermPinCommand(Gup.Syscalls.LongTermPinKind Kind, string Name, AddressExpr Address, SizeExpr Size) : ScenarioCommand;

/// <summary><c>iouring unregister NAME</c>, <c>xdp close NAME</c>.</summary>
public sealed record EndLongTermPinCommand(Gup.Syscalls.LongTermPinKind Kind, string Name) : ScenarioCommand;

/// <summary><c>frames ADDR SIZE</c>: which frames the pages map, named by first appearance.</summary>
public sealed record FramesCommand(AddressExpr Address, SizeExpr Size) : ScenarioCommand;

/// <summary><c>process_vm_readv|process_vm_writev|procmem read|write|vmsplice ADDR SIZE [BYTE]</c>.</summary>
public sealed record GupSyscallCommand(GupSyscallKind Kind, AddressExpr Address, SizeExpr Size, BytePattern Pattern) : ScenarioCommand;
