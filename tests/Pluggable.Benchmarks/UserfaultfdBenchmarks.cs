using BenchmarkDotNet.Attributes;
using Pluggable.Arch.X86_64;
using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Benchmarks;

/// <summary>
/// The two paths a postcopy monitor lives on, on the x86_64 plugin: one missing fault served end
/// to end, and a bulk COPY of 64 MiB into a registered range.
/// </summary>
[MemoryDiagnoser]
public class UserfaultfdBenchmarks
{
    private const int RoundTripPages = 1024;
    private const ulong BulkBytes = 64UL << 20;

    private EmulatorBackend _backend = null!;
    private ulong _page;
    private ulong _dst;
    private ulong _src;
    private ulong _bulkDst;
    private ulong _bulkSrc;
    private int _uffd;

    [GlobalSetup]
    public void Setup()
    {
        var arch = new X86_64Plugin().Create(new Dictionary<string, string>());
        _backend = new EmulatorBackend(arch);
        _page = arch.Geometry.PageSize;
        var rw = Protection.Read | Protection.Write;
        _backend.Mmap(0, new MmapRequest(null, RoundTripPages * _page, false, rw, 0, false, 0), out _dst);
        _backend.Mmap(0, new MmapRequest(null, _page, false, rw, 0, false, 0), out _src);
        _backend.Fill(0, _src, _page, BytePattern.Constant(0x5a));
        _backend.Mmap(0, new MmapRequest(null, BulkBytes, false, rw, 0, false, 0), out _bulkDst);
        _backend.Mmap(0, new MmapRequest(null, BulkBytes, false, rw, 0, false, 0), out _bulkSrc);
        _backend.Fill(0, _bulkSrc, BulkBytes, BytePattern.PageIdx);
        _backend.UffdCreate(0, new UffdCreateOptions(NonBlock: true, UserModeOnly: false, ViaDevice: false), out _uffd);
        _backend.UffdApi(0, _uffd, 0, UffdUapi.Api);
        _backend.Register(0, _uffd, _dst, RoundTripPages * _page, UffdUapi.RegisterModeMissing);
        _backend.Register(0, _uffd, _bulkDst, BulkBytes, UffdUapi.RegisterModeMissing);
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary>touch (blocks) -> read -> copy (wakes) -> the thread resumes and reads the byte.</summary>
    [Benchmark(OperationsPerInvoke = RoundTripPages)]
    public int FaultRoundTrip()
    {
        int resumed = 0;
        for (ulong i = 0; i < RoundTripPages; i++)
        {
            ulong at = _dst + i * _page;
            _backend.Touch(0, at, false, 0);
            _backend.Read(0, _uffd);
            _backend.Copy(0, _uffd, at, _src, _page, 0);
            resumed += _backend.TakeCompletions().Count;
        }
        _backend.Madvise(0, _dst, RoundTripPages * _page, Advice.DontNeed);
        return resumed;
    }

    /// <summary>One UFFDIO_COPY of 64 MiB from a populated source, then the range is emptied again.</summary>
    [Benchmark]
    public string BulkCopy64MiB()
    {
        string copied = _backend.Copy(0, _uffd, _bulkDst, _bulkSrc, BulkBytes, 0).ToString();
        _backend.Madvise(0, _bulkDst, BulkBytes, Advice.DontNeed);
        return copied;
    }
}
