using Pluggable.Core.Mm;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// One <c>mmap</c>: anonymous (File null) or of a memory file. The backend chooses the address:
/// aligned to the PMD size or to <see cref="Align"/>, followed by an unmapped gap of at least the PMD size.
/// </summary>
public sealed record MmapRequest(
    string? File,
    ulong Size,
    bool Shared,
    Protection Protection,
    ulong Align,
    bool Populate,
    ulong Offset);

/// <summary>Creation flags of a userfaultfd.</summary>
public sealed record UffdCreateOptions(bool NonBlock, bool UserModeOnly, bool ViaDevice);

/// <summary>A byte pattern for fill/check: a constant byte, or <c>pageidx</c>.</summary>
public readonly record struct BytePattern(bool PageIndex, byte Value)
{
    public static BytePattern Constant(byte value) => new(false, value);

    public static readonly BytePattern PageIdx = new(true, 0);

    /// <summary>The byte expected at base page <paramref name="pageIndex"/> of the range.</summary>
    public byte At(ulong pageIndex) => PageIndex ? (byte)((pageIndex + 1) & 0xff) : Value;
}

/// <summary>Options of the emulator-only <c>gup</c> command.</summary>
public sealed record GupRequest(ulong Address, ulong Pages, bool Write, bool Force, bool Pin, bool LongTerm, bool Fast, bool FastOnly, bool Dump);

/// <summary>A system call that reaches get_user_pages, as a scenario names it.</summary>
public enum GupSyscallKind
{
    /// <summary><c>process_vm_readv ADDR SIZE</c>: the process reads its own range into a buffer.</summary>
    ProcessVmReadv,

    /// <summary><c>process_vm_writev ADDR SIZE BYTE</c>: writes a buffer of BYTE into its own range.</summary>
    ProcessVmWritev,

    /// <summary><c>procmem read ADDR SIZE</c>: pread of /proc/self/mem.</summary>
    ProcMemRead,

    /// <summary><c>procmem write ADDR SIZE BYTE</c>: pwrite of /proc/self/mem.</summary>
    ProcMemWrite,

    /// <summary><c>vmsplice ADDR SIZE</c>: the range spliced into an empty pipe of 1 MiB, which is closed again.</summary>
    Vmsplice,

    /// <summary><c>odirect read ADDR SIZE BYTE</c>: an O_DIRECT read into the range from a new file of SIZE bytes of BYTE.</summary>
    DirectRead,

    /// <summary><c>odirect write ADDR SIZE</c>: an O_DIRECT write of the range to a new file.</summary>
    DirectWrite,

    /// <summary><c>get_mempolicy ADDR</c>: get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR), the node of the page; <c>ok node=N</c>.</summary>
    GetMempolicy,

    /// <summary><c>futex_wake_op ADDR</c>: FUTEX_WAKE_OP (shared) with the word at ADDR as the second futex, ADD 0; <c>ok</c>.</summary>
    FutexWakeOp,
}

/// <summary>One GUP-reaching system call of a scenario; <see cref="Pattern"/> is what a write writes.</summary>
public sealed record GupSyscallRequest(GupSyscallKind Kind, ulong Address, ulong Size, BytePattern Pattern)
{
    /// <summary>What the call answers when it succeeds, whichever backend made it: the bytes done, the page's node, or ok.</summary>
    public CommandResult Done(long bytes, long node) => Kind switch
    {
        GupSyscallKind.GetMempolicy => CommandResult.Ok(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"node={node}")),
        GupSyscallKind.FutexWakeOp => CommandResult.Ok(),
        _ => CommandResult.FromBytes(bytes),
    };
}

/// <summary><c>iouring register NAME ADDR SIZE</c> or <c>xdp register NAME ADDR SIZE</c>: a registration that keeps the range pinned.</summary>
public sealed record LongTermPinRequest(Gup.Syscalls.LongTermPinKind Kind, string Name, ulong Address, ulong Size);

/// <summary>A parked thread that finished, with its result.</summary>
public readonly record struct ThreadCompletion(int Thread, CommandResult Result);

/// <summary>Facts about the selected architecture that the language needs (units, placement, <c>arch</c>, <c>needs</c>).</summary>
/// <param name="Features">What the kernel offers that a <c>needs</c> line may ask for: <c>thp</c>, <c>uffd-wp</c>, <c>uffd-minor</c>,
/// the features of later releases, <c>uffd-wp-unpopulated</c> (6.4), <c>uffd-poison</c> (6.6), <c>uffd-wp-async</c> (6.7) and <c>uffd-move</c>
/// (6.8), and <c>64bit</c> (a user address space beyond 4 GiB).</param>
/// <param name="Configuration">The architecture's options as <c>name=value,...</c> (<c>mmu=8xx,page=4k</c>), for alternatives that name a configuration; empty when unknown.</param>
/// <param name="HugePageSizes">Every huge page size the kernel has a pool of, when known: what <c>default_hugepagesz</c> may choose.</param>
/// <param name="Kernel">The Linux release that answers (the emulator's <c>--kernel</c>, a real kernel's uname), for alternatives that name one; null when unknown.</param>
public sealed record BackendFacts(string ArchName, IReadOnlyList<string> ArchAliases, ulong PageSize, ulong HugePageSize, ulong PmdSize, IReadOnlyList<string>? Features = null,
    string Configuration = "", IReadOnlyList<ulong>? HugePageSizes = null, Kernel.LinuxVersion? Kernel = null)
{
    /// <summary>The features a <c>needs</c> line may name.</summary>
    public static readonly string[] FeatureNames = ["thp", "uffd-wp", "uffd-minor", "uffd-wp-unpopulated", "uffd-wp-async", "uffd-poison", "uffd-move", "64bit", "odirect", "numa"];

    public bool Has(string feature) => Features?.Contains(feature) == true;
}

/// <summary>Formats an address the way results print it (label-relative), and a process by its scenario name.</summary>
public interface IAddressFormatter
{
    string Format(ulong address);

    /// <summary>The name a script gives the backend's process number (<c>main</c> for the first).</summary>
    string FormatProcess(int process) => process == 0 ? "main" : $"#{process}";
}
