using Pluggable.Core.Gup.Syscalls;

namespace Pluggable.Core.Scenarios;

/// <summary>Syntax of the memory-access and emulator-only commands.</summary>
internal static class AccessGrammar
{
    private static readonly OptionSpec WriteOptions = new([], ["value"]);
    private static readonly OptionSpec GupOptions = OptionSpec.Flags("write", "force", "pin", "longterm", "fast", "fast-only", "dump");

    public static ScenarioCommand Touch(LineCursor c)
    {
        var address = c.Address();
        bool write = c.Keyword(Keywords.AccessKinds);
        if (!write)
        {
            c.End();
            return new TouchCommand(address, false, 0);
        }
        var options = c.Options(WriteOptions);
        // pageidx names page 0 of a one-byte range: 0x01, the same as no value.
        byte value = options.Value("value") is { } v ? ValueScanner.Byte(v).At(0) : (byte)0x01;
        return new TouchCommand(address, true, value);
    }

    public static ScenarioCommand Fill(LineCursor c)
    {
        var address = c.Address();
        var size = c.Size();
        var pattern = c.Byte();
        c.End();
        return new FillCommand(address, size, pattern);
    }

    public static ScenarioCommand Check(LineCursor c)
    {
        var address = c.Address();
        var size = c.Size();
        var pattern = c.Byte();
        c.End();
        return new CheckCommand(address, size, pattern);
    }

    public static ScenarioCommand Pagemap(LineCursor c)
    {
        var (address, size) = Range(c);
        return new PagemapCommand(address, size);
    }

    private static readonly KeywordTable<bool> IoUringVerbs = new("register or unregister", ("register", true), ("unregister", false));
    private static readonly KeywordTable<bool> XdpVerbs = new("register or close", ("register", true), ("close", false));

    /// <summary><c>iouring register NAME ADDR SIZE</c> or <c>iouring unregister NAME</c>.</summary>
    public static ScenarioCommand IoUring(LineCursor c) => LongTermPin(c, LongTermPinKind.IoUringBuffers, IoUringVerbs);

    /// <summary><c>xdp register NAME ADDR SIZE</c> or <c>xdp close NAME</c>.</summary>
    public static ScenarioCommand Xdp(LineCursor c) => LongTermPin(c, LongTermPinKind.XdpUmem, XdpVerbs);

    private static ScenarioCommand LongTermPin(LineCursor c, LongTermPinKind kind, KeywordTable<bool> verbs)
    {
        bool register = c.Keyword(verbs);
        string name = c.Name("a registration name");
        if (!register)
        {
            c.End();
            return new EndLongTermPinCommand(kind, name);
        }
        var address = c.Address();
        var size = c.Size();
        c.End();
        return new LongTermPinCommand(kind, name, address, size);
    }

    public static ScenarioCommand Refs(LineCursor c)
    {
        var (address, size) = Range(c);
        return new RefsCommand(address, size);
    }

    public static ScenarioCommand Frames(LineCursor c)
    {
        var (address, size) = Range(c);
        return new FramesCommand(address, size);
    }

    public static ScenarioCommand ProcessVmReadv(LineCursor c) => GupSyscall(c, GupSyscallKind.ProcessVmReadv);

    public static ScenarioCommand ProcessVmWritev(LineCursor c) => GupSyscall(c, GupSyscallKind.ProcessVmWritev);

    public static ScenarioCommand Vmsplice(LineCursor c) => GupSyscall(c, GupSyscallKind.Vmsplice);

    /// <summary><c>procmem read ADDR SIZE</c> or <c>procmem write ADDR SIZE BYTE</c>.</summary>
    public static ScenarioCommand ProcMem(LineCursor c) =>
        GupSyscall(c, c.Keyword(Keywords.AccessKinds) ? GupSyscallKind.ProcMemWrite : GupSyscallKind.ProcMemRead);

    /// <summary><c>get_mempolicy ADDR</c>, <c>futex_wake_op ADDR</c>: one page, no size.</summary>
    public static ScenarioCommand GetMempolicy(LineCursor c) => OnePage(c, GupSyscallKind.GetMempolicy);

    public static ScenarioCommand FutexWakeOp(LineCursor c) => OnePage(c, GupSyscallKind.FutexWakeOp);

    private static ScenarioCommand OnePage(LineCursor c, GupSyscallKind kind)
    {
        var address = c.Address();
        c.End();
        return new GupSyscallCommand(kind, address, SizeExpr.Bytes(1), BytePattern.Constant(0));
    }

    /// <summary><c>odirect read ADDR SIZE BYTE</c> or <c>odirect write ADDR SIZE</c>.</summary>
    public static ScenarioCommand Direct(LineCursor c) =>
        GupSyscall(c, c.Keyword(Keywords.AccessKinds) ? GupSyscallKind.DirectWrite : GupSyscallKind.DirectRead);

    private static ScenarioCommand GupSyscall(LineCursor c, GupSyscallKind kind)
    {
        var address = c.Address();
        var size = c.Size();
        var pattern = kind is GupSyscallKind.ProcessVmWritev or GupSyscallKind.ProcMemWrite or GupSyscallKind.DirectRead ? c.Byte() : BytePattern.Constant(0);
        c.End();
        return new GupSyscallCommand(kind, address, size, pattern);
    }

    /// <summary>ADDR SIZE, and nothing after them.</summary>
    private static (AddressExpr Address, SizeExpr Size) Range(LineCursor c)
    {
        var address = c.Address();
        var size = c.Size();
        c.End();
        return (address, size);
    }

    public static ScenarioCommand Gup(LineCursor c)
    {
        var address = c.Address();
        ulong pages = c.Number();
        var o = c.Options(GupOptions);
        return new GupCommand(address, pages, o.Has("write"), o.Has("force"), o.Has("pin"), o.Has("longterm"), o.Has("fast"), o.Has("fast-only"), o.Has("dump"));
    }

    public static ScenarioCommand Unpin(LineCursor c)
    {
        var address = c.Address();
        ulong pages = c.Number();
        c.End();
        return new UnpinCommand(address, pages);
    }

    public static ScenarioCommand Dump(LineCursor c)
    {
        var (address, size) = Range(c);
        return new DumpCommand(address, size);
    }

    public static ScenarioCommand Trace(LineCursor c)
    {
        bool on = c.Keyword(Keywords.OnOff);
        c.End();
        return new TraceCommand(on);
    }
}
