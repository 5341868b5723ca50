using Pluggable.Core.Mm;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Scenarios;

/// <summary>
/// What the interpreter needs from a place that runs scenarios: the emulator (core plus one plugin)
/// or the host's real kernel. Addresses are raw; processes are numbered by the backend (0 is the
/// first process). Any command may answer <see cref="ResultKind.Blocked"/>; parked threads that
/// finish later are reported by <see cref="TakeCompletions"/>, which the interpreter calls after
/// every command.
/// </summary>
public interface IScenarioBackend : IDisposable
{
    /// <summary>Short name for messages, e.g. "emulator x86_64" or "host".</summary>
    string Name { get; }

    BackendFacts Facts { get; }

    /// <summary>Lets dump and trace lines print label-relative addresses.</summary>
    IAddressFormatter? AddressFormatter { get; set; }

    CommandResult Hugepages(ulong size, ulong count);

    CommandResult Thp(ThpPolicy policy);

    /// <param name="hugePageSize">For hugetlb: the huge page size (memfd_create's MFD_HUGE_*), 0 for the default one.</param>
    CommandResult Memfd(int process, string name, bool hugetlb, ulong size, ulong hugePageSize = 0);

    /// <summary>On success returns ok and the mapping's address in <paramref name="address"/>.</summary>
    CommandResult Mmap(int process, MmapRequest request, out ulong address);

    CommandResult Munmap(int process, ulong address, ulong size);

    CommandResult Mprotect(int process, ulong address, ulong size, Protection protection);

    CommandResult Madvise(int process, ulong address, ulong size, Advice advice);

    /// <summary>Moves the whole mapping to a new place (MREMAP_MAYMOVE, then MREMAP_FIXED to a fresh gap).</summary>
    CommandResult Mremap(int process, ulong address, ulong oldSize, ulong newSize, out ulong newAddress);

    /// <summary>Forks; the child's number is returned even when the fork blocks on its event.</summary>
    CommandResult Fork(int process, out int child);

    /// <summary>Creates a userfaultfd; returns ok and the handle, or an errno.</summary>
    CommandResult UffdCreate(int process, UffdCreateOptions options, out int uffd);

    CommandResult UffdApi(int process, int uffd, ulong features, ulong api);

    CommandResult Register(int process, int uffd, ulong start, ulong length, ulong modes);

    CommandResult Unregister(int process, int uffd, ulong start, ulong length);

    CommandResult Copy(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode);

    CommandResult Zeropage(int process, int uffd, ulong dst, ulong length, ulong mode);

    CommandResult Continue(int process, int uffd, ulong dst, ulong length, ulong mode);

    CommandResult Poison(int process, int uffd, ulong dst, ulong length, ulong mode);

    CommandResult Move(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode);

    CommandResult WriteProtect(int process, int uffd, ulong start, ulong length, ulong mode);

    CommandResult Wake(int process, int uffd, ulong start, ulong length);

    CommandResult Read(int process, int uffd);

    CommandResult Close(int process, int uffd);

    CommandResult Touch(int process, ulong address, bool write, byte value);

    CommandResult Fill(int process, ulong address, ulong size, BytePattern pattern);

    CommandResult Check(int process, ulong address, ulong size, BytePattern pattern);

    CommandResult Pagemap(int process, ulong address, ulong size);

    CommandResult Gup(int process, GupRequest request);

    CommandResult Unpin(int process, ulong address, ulong pages);

    /// <summary>A system call that reaches get_user_pages on the process's own range: bytes done, or the errno.</summary>
    CommandResult GupSyscall(int process, GupSyscallRequest request);

    /// <summary>Registers a range that stays pinned under the name; <c>EBUSY</c> when the process holds one of that name.</summary>
    CommandResult LongTermPin(int process, LongTermPinRequest request);

    /// <summary>Ends the registration of that name (unregister, close); <c>EBADF</c> when there is none.</summary>
    CommandResult EndLongTermPin(int process, Gup.Syscalls.LongTermPinKind kind, string name);

    /// <summary>The folio counts of each page of the range (emulator only).</summary>
    CommandResult Refs(int process, ulong address, ulong size);

    CommandResult Dump(int process, ulong address, ulong size);

    CommandResult Trace(bool on);

    IReadOnlyList<ThreadCompletion> TakeCompletions();

    /// <summary>
    /// The run's time limit, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp: a backend
    /// that can stop in the middle of a command does so past it, throwing
    /// <see cref="Mm.TimeLimitExceededException"/>. Others are stopped between commands.
    /// </summary>
    void StopAt(long deadlineTimestamp)
    {
    }
}
