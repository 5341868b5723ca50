using System.Diagnostics;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel.Vm;

/// <summary>
/// One boot of a real kernel under QEMU, on which any number of scenarios run one after another
/// (<see cref="NewBackend"/>), each in a process group of its own as on the host. Booting takes
/// seconds, so a corpus is run on one boot.
/// </summary>
public sealed class VmSession : IDisposable
{
    private static readonly TimeSpan BootLimit = TimeSpan.FromSeconds(180);
    private readonly VmLink _link;
    private readonly VmKernel _kernel;

    private VmSession(VmLink link, VmKernel kernel, TimeSpan bootTime)
    {
        _link = link;
        _kernel = kernel;
        BootTime = bootTime;
    }

    public VmSpec Spec => _kernel.Spec;

    /// <summary>The backend name, <c>vm:NAME</c>.</summary>
    public string Name => _kernel.Name;

    /// <summary>uname -r of the guest.</summary>
    public string Release => _kernel.Release;

    public BackendFacts Facts => _kernel.Facts;

    /// <summary>The guest's MemTotal, for an emulator doing the same overcommit arithmetic.</summary>
    public ulong MemoryBytes => _kernel.MemoryBytes;

    public TimeSpan BootTime { get; }

    /// <summary>
    /// Boots the kernel named <paramref name="name"/> in kernels.conf, fetching or building what it
    /// needs first (saying so on <paramref name="notices"/>).
    /// </summary>
    /// <exception cref="VmException">A tool is missing, the kernel cannot be had, or the guest does not come up.</exception>
    public static VmSession Boot(string name, TextWriter notices)
    {
        var spec = VmCatalog.Find(name);
        if (VmImages.MissingTools(spec) is { } missing)
            throw new VmException(missing);
        string kernel = VmImages.Kernel(spec, notices);
        string initramfs = VmImages.Initramfs(spec);
        var clock = Stopwatch.StartNew();
        var link = VmLink.Boot(spec.Name, QemuCommand(spec, kernel, initramfs), BootLimit);
        try
        {
            var session = new VmSession(link, VmKernel.Attach(link, spec), clock.Elapsed);
            return session;
        }
        catch
        {
            link.Dispose();
            throw;
        }
    }

    /// <summary>A backend for one scenario on this boot.</summary>
    public IScenarioBackend NewBackend(TextWriter? notices = null) =>
        new HostBackend(_kernel, new HostBackendOptions { Notices = notices ?? Console.Error });

    public void Dispose() => _link.Dispose();

    private static List<string> QemuCommand(VmSpec spec, string kernel, string initramfs)
    {
        string append = $"console={spec.Console} quiet loglevel=0 panic=-1 pluggable_console={spec.Console} {spec.Append}".Trim();
        // One CPU: with two, pages a thread faulted in may still sit in the other CPU's LRU batch,
        // and MADV_PAGEOUT skips them or not from run to run (shmem-pageout on the hash kernel did);
        // the model has no such batches.
        return [.. spec.Qemu, "-smp", "1", "-m", $"{spec.MemoryBytes >> 20}M", "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "stdio",
            "-kernel", kernel, "-initrd", initramfs, "-append", append];
    }
}
