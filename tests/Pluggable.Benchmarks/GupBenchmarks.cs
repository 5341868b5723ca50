using BenchmarkDotNet.Attributes;
using Pluggable.Arch.X86_64;
using Pluggable.Core.Emulator;
using Pluggable.Core.Gup.Syscalls;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.Benchmarks;

/// <summary>
/// The system calls that reach GUP, on 64 MiB of populated anonymous memory (16 Ki pages, x86_64
/// plugin): each takes, uses and gives back every page, so the figure is the per-page cost of
/// follow_page_mask, the grab and the release (and the copy, for a write).
/// </summary>
[MemoryDiagnoser]
public class GupBenchmarks
{
    private const ulong Bytes = 64UL << 20;

    private EmulatorBackend _backend = null!;
    private ulong _address;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new EmulatorBackend(new X86_64Plugin().Create(new Dictionary<string, string>()));
        _backend.Mmap(0, new MmapRequest(null, Bytes, false, Protection.Read | Protection.Write, 0, false, 0), out _address);
        _backend.Fill(0, _address, Bytes, BytePattern.Constant(0x5a));
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary>process_vm_readv of 64 MiB: a read pin of every page, then its unpin.</summary>
    [Benchmark]
    public string ProcessVmReadv64MiB() =>
        _backend.GupSyscall(0, new GupSyscallRequest(GupSyscallKind.ProcessVmReadv, _address, Bytes, BytePattern.Constant(0))).ToString();

    /// <summary>process_vm_writev of 64 MiB: a write pin of every page, 64 MiB copied in, the unpin.</summary>
    [Benchmark]
    public string ProcessVmWritev64MiB() =>
        _backend.GupSyscall(0, new GupSyscallRequest(GupSyscallKind.ProcessVmWritev, _address, Bytes, BytePattern.Constant(0x33))).ToString();

    /// <summary>IORING_REGISTER_BUFFERS of 64 MiB (fast walk, long-term pins), then its unregistration.</summary>
    [Benchmark]
    public string IoUringRegisterAndUnregister64MiB()
    {
        _backend.LongTermPin(0, new LongTermPinRequest(LongTermPinKind.IoUringBuffers, "r", _address, Bytes));
        return _backend.EndLongTermPin(0, LongTermPinKind.IoUringBuffers, "r").ToString();
    }
}
