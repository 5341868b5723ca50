using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

/// <summary>Drives the emulator backend on the test architecture with short names.</summary>
internal sealed class Emu : IDisposable
{
    /// <summary>Every test runs with the consistency checker on.</summary>
    public static readonly EmulatorOptions Checked = new() { DebugVm = true };

    public Emu() => Backend = new EmulatorBackend(new TestArchitecture(), options: Checked);

    public Emu(Pluggable.Core.Arch.Architecture arch) => Backend = new EmulatorBackend(arch, options: Checked);

    /// <summary>A machine of <paramref name="memoryBytes"/> on the test architecture.</summary>
    public Emu(ulong memoryBytes) : this(Checked with { MemoryBytes = memoryBytes })
    {
    }

    private Emu(EmulatorOptions options) => Backend = new EmulatorBackend(new TestArchitecture(), null, options);

    /// <summary>
    /// Without the checker: for a test whose thousands of commands would each pay its walk, or one
    /// that takes frames straight from the allocator, which nothing the checker knows holds.
    /// </summary>
    public static Emu Unchecked(ulong memoryBytes = EmulatorOptions.DefaultMemoryBytes) =>
        new(EmulatorOptions.Default with { MemoryBytes = memoryBytes });

    public EmulatorBackend Backend { get; }
    public MemorySystem System => Backend.System;
    public const ulong P = 4096;

    public ulong Map(ulong pages, bool shared = false, Protection prot = Protection.Read | Protection.Write, string? file = null)
    {
        var r = Backend.Mmap(0, new MmapRequest(file, pages * P, shared || file is not null, prot, 0, false, 0), out ulong a);
        Assert.Equal("ok", r.ToString());
        return a;
    }

    public int Uffd(ulong features = 0, bool nonBlock = true)
    {
        Assert.Equal("ok", Backend.UffdCreate(0, new UffdCreateOptions(nonBlock, false, false), out int u).ToString());
        Assert.Equal("ok", Backend.UffdApi(0, u, features, UffdUapi.Api).ToString());
        return u;
    }

    public string Touch(ulong a, bool write = false, byte value = 1, int process = 0) => Backend.Touch(process, a, write, value).ToString();

    public IReadOnlyList<ThreadCompletion> Completions() => Backend.TakeCompletions();

    public string Pagemap(ulong a, ulong pages, int process = 0) =>
        string.Join(",", Backend.Pagemap(process, a, pages * P).Pagemap!.Runs
            .SelectMany(r => Enumerable.Repeat(r.Flags, (int)r.Pages))
            .Select(f => f == PagemapFlags.None ? "-" : f.ToString().Replace(", ", "+").ToLowerInvariant()));

    public void Dispose() => Backend.Dispose();
}
