using System.Runtime.InteropServices;

namespace Pluggable.HostKernel;

/// <summary>The operations of the native shim (Native/pluggable_host.c, <c>enum ph_op</c>).</summary>
internal enum HostOp
{
    Mmap = 1,
    Munmap,
    Mprotect,
    Madvise,
    Mremap,
    Memfd,
    Uffd,
    Api,
    Register,
    Unregister,
    Copy,
    Zeropage,
    Continue,
    Poison,
    Move,
    WriteProtect,
    Wake,
    Read,
    Close,
    Touch,
    Fill,
    Check,
    Fork,
    Exit,

    /// <summary>Answered by the process's command loop after every reply it sent before: a barrier.</summary>
    Sync,
    GupSyscall,
    LongTermPin,
    LongTermEnd,
}

/// <summary>
/// One operation's arguments and results, laid out as the shim's <c>struct ph_call</c>: the caller
/// fills Op and A; the executing thread writes Tid when it starts, the results, then Done.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HostCallData
{
    public int Op;
    public int Id;
    public int Tid;
    public int Done;
    public fixed ulong A[8];
    public fixed byte Name[64];
    public long Ret;
    public int Err;
    public int Sig;
    public fixed ulong V[6];
}

/// <summary>The shim's entry points and the few libc calls the managed side makes itself.</summary>
internal static unsafe partial class NativeMethods
{
    private const string Shim = "pluggable_host";

    /// <summary>Installs the SIGSEGV/SIGBUS handlers (once); returns sizeof(struct ph_call).</summary>
    [LibraryImport(Shim, EntryPoint = "ph_init")]
    public static partial int Init();

    /// <summary>Runs one operation on the calling thread; it may sleep in the kernel for a long time.</summary>
    [LibraryImport(Shim, EntryPoint = "ph_exec")]
    public static partial int Exec(HostCallData* call);

    /// <summary>
    /// Spawns the worker executable at <paramref name="path"/> as the first process of a scenario,
    /// in a process group of its own, inheriting <paramref name="lockFd"/> (-1: none). The pid, or -errno.
    /// </summary>
    [LibraryImport(Shim, EntryPoint = "ph_spawn", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Spawn(string path, int lockFd, out int channel);

    /// <summary>Whether the host's temporary directory takes O_DIRECT (pluggable_host.c PH_DIRECT_DIR).</summary>
    public static bool DirectIoAvailable() => PhDirectIoAvailable() != 0;

    [LibraryImport(Shim, EntryPoint = "ph_direct_io_available")]
    private static partial int PhDirectIoAvailable();

    [LibraryImport(Shim, EntryPoint = "ph_send")]
    public static partial int Send(int channel, HostCallData* call);

    /// <summary>1 and one message of a child (with a passed descriptor or -1); 0 when the channel ended.</summary>
    [LibraryImport(Shim, EntryPoint = "ph_recv")]
    public static partial int Receive(int channel, HostCallData* call, out int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(ulong address, ulong length);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    public const int ORdwr = 0x2, OCreat = 0x40, ONofollow = 0x20000, OCloexec = 0x80000;
    public const int LockEx = 2, LockNb = 4, LockUn = 8;
    public const int WNoHang = 1;
    public const int PrSetChildSubreaper = 36;
    public const int SigKill = 9;
    public const int SigStop = 19;
    public const int SigCont = 18;
    public const int SigBus = 7;
    public const int SigSegv = 11;
}
