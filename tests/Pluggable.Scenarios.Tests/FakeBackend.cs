using Pluggable.Core.Mm;

namespace Pluggable.Scenarios.Tests;

/// <summary>
/// A scripted backend: records every call as text and answers from queues of canned replies per
/// method (ok when none is queued). A reply may release completions, returned by the next
/// TakeCompletions. Mappings are placed 2 MiB-aligned with a 2 MiB gap, as the contract requires.
/// </summary>
internal sealed class FakeBackend(BackendFacts? facts = null) : IScenarioBackend
{
    public static readonly BackendFacts X86 = new("x86_64", ["x86-64", "amd64", "x86"], 4096, 2UL << 20, 2UL << 20, ["thp", "uffd-wp", "uffd-minor"]);
    public static readonly BackendFacts Arm64K64 = new("arm64", ["aarch64"], 65536, 512UL << 20, 512UL << 20,
        Configuration: "granule=64k,va=48", HugePageSizes: [2UL << 20, 512UL << 20, 16UL << 30]);

    public const ulong FirstMapping = 0x7f0000000000;

    private readonly Dictionary<string, Queue<Reply>> _replies = [];
    private readonly List<ThreadCompletion> _released = [];
    private ulong _nextMapping = FirstMapping;
    private int _nextProcess = 1;
    private int _nextUffd = 3;

    private sealed record Reply(Func<FakeBackend, CommandResult> Make, ThreadCompletion[] Releases);

    public string Name => "fake";

    public BackendFacts Facts { get; } = facts ?? X86;

    public IAddressFormatter? AddressFormatter { get; set; }

    public List<string> Calls { get; } = [];

    public bool Disposed { get; private set; }

    /// <summary>Queues the answer to the next call of <paramref name="method"/>; it releases <paramref name="releases"/>.</summary>
    public FakeBackend On(string method, CommandResult result, params ThreadCompletion[] releases) =>
        On(method, _ => result, releases);

    /// <summary>Queues an answer computed when the call happens (e.g. detail lines using the address formatter).</summary>
    public FakeBackend On(string method, Func<FakeBackend, CommandResult> make, params ThreadCompletion[] releases)
    {
        if (!_replies.TryGetValue(method, out var queue))
            _replies[method] = queue = new Queue<Reply>();
        queue.Enqueue(new Reply(make, releases));
        return this;
    }

    private CommandResult Answer(string method, string arguments)
    {
        Calls.Add($"{method}({arguments})");
        if (!_replies.TryGetValue(method, out var queue) || queue.Count == 0)
            return CommandResult.Ok();
        var reply = queue.Dequeue();
        _released.AddRange(reply.Releases);
        return reply.Make(this);
    }

    private static string H(ulong value) => $"0x{value:x}";

    private ulong Place(ulong size)
    {
        ulong address = _nextMapping;
        ulong pmd = Facts.PmdSize;
        _nextMapping += (size + pmd - 1) / pmd * pmd + pmd;
        return address;
    }

    public CommandResult Hugepages(ulong size, ulong count) => Answer("Hugepages", $"{H(size)}, {count}");

    public CommandResult Thp(ThpPolicy policy) => Answer("Thp", policy.ToString());

    public CommandResult Memfd(int process, string name, bool hugetlb, ulong size, ulong hugePageSize = 0) =>
        Answer("Memfd", hugePageSize == 0 ? $"{process}, {name}, {hugetlb}, {H(size)}" : $"{process}, {name}, {hugetlb}, {H(size)}, page={H(hugePageSize)}");

    public CommandResult Mmap(int process, MmapRequest request, out ulong address)
    {
        var result = Answer("Mmap", $"{process}, {request.File ?? "anon"}, {H(request.Size)}, shared={request.Shared}, {request.Protection}, align={H(request.Align)}, populate={request.Populate}, offset={H(request.Offset)}");
        address = result.Kind == ResultKind.Ok ? Place(request.Size) : 0;
        return result;
    }

    public CommandResult Munmap(int process, ulong address, ulong size) => Answer("Munmap", $"{process}, {H(address)}, {H(size)}");

    public CommandResult Mprotect(int process, ulong address, ulong size, Protection protection) => Answer("Mprotect", $"{process}, {H(address)}, {H(size)}, {protection}");

    public CommandResult Madvise(int process, ulong address, ulong size, Advice advice) => Answer("Madvise", $"{process}, {H(address)}, {H(size)}, {advice}");

    public CommandResult Mremap(int process, ulong address, ulong oldSize, ulong newSize, out ulong newAddress)
    {
        var result = Answer("Mremap", $"{process}, {H(address)}, {H(oldSize)}, {H(newSize)}");
        newAddress = result.Kind is ResultKind.Ok or ResultKind.Blocked ? Place(newSize) : 0;
        return result;
    }

    public CommandResult Fork(int process, out int child)
    {
        var result = Answer("Fork", $"{process}");
        child = result.Kind is ResultKind.Ok or ResultKind.Blocked ? _nextProcess++ : -1;
        return result;
    }

    public CommandResult UffdCreate(int process, UffdCreateOptions options, out int uffd)
    {
        var result = Answer("UffdCreate", $"{process}, nonblock={options.NonBlock}, user={options.UserModeOnly}, dev={options.ViaDevice}");
        uffd = result.Kind == ResultKind.Ok ? _nextUffd++ : -1;
        return result;
    }

    public CommandResult UffdApi(int process, int uffd, ulong features, ulong api) => Answer("UffdApi", $"{process}, {uffd}, {H(features)}, {H(api)}");

    public CommandResult Register(int process, int uffd, ulong start, ulong length, ulong modes) => Answer("Register", $"{process}, {uffd}, {H(start)}, {H(length)}, {modes}");

    public CommandResult Unregister(int process, int uffd, ulong start, ulong length) => Answer("Unregister", $"{process}, {uffd}, {H(start)}, {H(length)}");

    public CommandResult Copy(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode) => Answer("Copy", $"{process}, {uffd}, {H(dst)}, {H(src)}, {H(length)}, {mode}");

    public CommandResult Zeropage(int process, int uffd, ulong dst, ulong length, ulong mode) => Answer("Zeropage", $"{process}, {uffd}, {H(dst)}, {H(length)}, {mode}");

    public CommandResult Continue(int process, int uffd, ulong dst, ulong length, ulong mode) => Answer("Continue", $"{process}, {uffd}, {H(dst)}, {H(length)}, {mode}");

    public CommandResult Poison(int process, int uffd, ulong dst, ulong length, ulong mode) => Answer("Poison", $"{process}, {uffd}, {H(dst)}, {H(length)}, {mode}");

    public CommandResult Move(int process, int uffd, ulong dst, ulong src, ulong length, ulong mode) => Answer("Move", $"{process}, {uffd}, {H(dst)}, {H(src)}, {H(length)}, {mode}");

    public CommandResult WriteProtect(int process, int uffd, ulong start, ulong length, ulong mode) => Answer("WriteProtect", $"{process}, {uffd}, {H(start)}, {H(length)}, {mode}");

    public CommandResult Wake(int process, int uffd, ulong start, ulong length) => Answer("Wake", $"{process}, {uffd}, {H(start)}, {H(length)}");

    public CommandResult Read(int process, int uffd) => Answer("Read", $"{process}, {uffd}");

    public CommandResult Close(int process, int uffd) => Answer("Close", $"{process}, {uffd}");

    public CommandResult Touch(int process, ulong address, bool write, byte value) => Answer("Touch", $"{process}, {H(address)}, {(write ? "write" : "read")}, {H(value)}");

    public CommandResult Fill(int process, ulong address, ulong size, BytePattern pattern) => Answer("Fill", $"{process}, {H(address)}, {H(size)}, {Pattern(pattern)}");

    public CommandResult Check(int process, ulong address, ulong size, BytePattern pattern) => Answer("Check", $"{process}, {H(address)}, {H(size)}, {Pattern(pattern)}");

    private static string Pattern(BytePattern pattern) => pattern.PageIndex ? "pageidx" : H(pattern.Value);

    public CommandResult Pagemap(int process, ulong address, ulong size) => Answer("Pagemap", $"{process}, {H(address)}, {H(size)}");

    public CommandResult Gup(int process, GupRequest request) => Answer("Gup", $"{process}, {request}");

    public CommandResult Unpin(int process, ulong address, ulong pages) => Answer("Unpin", $"{process}, {H(address)}, {pages}");

    public CommandResult LongTermPin(int process, LongTermPinRequest request) =>
        Answer("LongTermPin", $"{process}, {request.Kind}, {request.Name}, {H(request.Address)}, {H(request.Size)}");

    public CommandResult EndLongTermPin(int process, Pluggable.Core.Gup.Syscalls.LongTermPinKind kind, string name) =>
        Answer("EndLongTermPin", $"{process}, {kind}, {name}");

    public CommandResult GupSyscall(int process, GupSyscallRequest request) =>
        Answer("GupSyscall", $"{process}, {request.Kind}, {H(request.Address)}, {H(request.Size)}, {request.Pattern}");

    public CommandResult Refs(int process, ulong address, ulong size) => Answer("Refs", $"{process}, {H(address)}, {H(size)}");

    public CommandResult Dump(int process, ulong address, ulong size) => Answer("Dump", $"{process}, {H(address)}, {H(size)}");

    public CommandResult Trace(bool on) => Answer("Trace", on.ToString());

    public IReadOnlyList<ThreadCompletion> TakeCompletions()
    {
        var taken = _released.ToArray();
        _released.Clear();
        return taken;
    }

    /// <summary>Thrown by Dispose, as an emulator whose teardown finds a broken invariant would.</summary>
    public Exception? TeardownFailure { get; init; }

    public void Dispose()
    {
        Disposed = true;
        if (TeardownFailure is not null)
            throw TeardownFailure;
    }
}
