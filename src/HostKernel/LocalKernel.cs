using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Pluggable.Core;
using Pluggable.Core.Kernel;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel;

/// <summary>
/// This machine's own kernel (x86_64), shared with CI and other tools: runs take the machine
/// lock, the scenario's first process is the worker executable spawned from this process, and
/// thread states, pagemap and settings are read from this machine's /proc and /sys.
/// </summary>
internal sealed class LocalKernel : ITargetKernel
{
    private const ulong PageSize = 4096;
    private const ulong PmdSize = 2UL << 20;

    private static readonly Lazy<LocalKernel> Shared = new(() => new LocalKernel());
    private static int s_subreaper;
    private readonly Lazy<ulong> _zeroPfn;
    private readonly object _kpageflagsLock = new();
    private SafeFileHandle? _kpageflags;

    private LocalKernel()
    {
        Facts = new BackendFacts("x86_64", ["x86-64", "amd64", "x86"], PageSize, DefaultHugePageSize(), PmdSize, HostAvailability.Features(),
            HostAvailability.Configuration(), HugePagePools(), LinuxVersion.TryParse(Environment.OSVersion.Version.ToString(), out var release) ? release : null);
        _zeroPfn = new Lazy<ulong>(ProbeZeroPfn);
    }

    /// <exception cref="HostUnavailableException">This machine cannot run the host backend.</exception>
    public static LocalKernel Instance
    {
        get
        {
            if (HostAvailability.WhyUnavailable() is { } reason)
                throw new HostUnavailableException(reason);
            return Shared.Value;
        }
    }

    public string Name => "host";

    public BackendFacts Facts { get; }

    public ulong ZeroPfn => _zeroPfn.Value;

    public ulong MapBase => HostBackend.MapBase;

    public ulong HugetlbRegion => 0;

    public IMachineSettings TakeMachine(HostBackendOptions options) => HostMachine.Take(options);

    public (int Pid, IProcessChannel Channel) Spawn(int lockFd)
    {
        // Orphans of the group (a child whose parent was killed first) come back to this process, to be reaped.
        if (Interlocked.Exchange(ref s_subreaper, 1) == 0)
            NativeMethods.Prctl(NativeMethods.PrSetChildSubreaper, 1, 0, 0, 0);
        string worker = ScenarioGroup.WorkerPath();
        int pid = NativeMethods.Spawn(worker, lockFd, out int channel);
        if (pid < 0)
            throw new HostUnavailableException($"cannot start {worker}: {Marshal.GetPInvokeErrorMessage(-pid)}");
        return (pid, new LocalChannel(channel));
    }

    public IReadOnlyList<string> EndGroup(int group) => ScenarioGroup.KillAndReap(group);

    public ThreadState ReadThread(int pid, int tid) => ThreadState.Read(pid, tid);

    public bool IsZeroPageFrame(ulong pfn)
    {
        try
        {
            lock (_kpageflagsLock)
            {
                _kpageflags ??= File.OpenHandle("/proc/kpageflags", FileMode.Open, FileAccess.Read);
                Span<byte> word = stackalloc byte[8];
                return RandomAccess.Read(_kpageflags, word, (long)(pfn * 8)) == 8 && KernelText.IsZeroPageFlags(word);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public PagemapRuns Pagemap(int pid, ulong start, ulong length, ulong regionStart, ulong regionEnd, ZeroPageFrames zero) =>
        PagemapReader.Read(pid, start, length, PageSize, regionStart, regionEnd, zero);

    /// <summary>
    /// Maps, reads and looks up one fresh private anonymous page, which the kernel backs with the
    /// zero page (in this process, once: the zero page never moves).
    /// </summary>
    private static ulong ProbeZeroPfn()
    {
        const int protRead = 1, mapPrivateAnonymous = 0x22;
        var map = new HostCall(HostOp.Mmap, HostBackend.MapBase, PageSize, protRead, mapPrivateAnonymous, ulong.MaxValue, 0);
        map.ExecuteHere();
        if (map.Ret < 0)
            throw new HostUnavailableException($"cannot map a probe page: {(Errno)map.Err}");
        try
        {
            var touch = new HostCall(HostOp.Touch, HostBackend.MapBase, 0, 0);
            touch.ExecuteHere();
            ulong pfn = PagemapEntry.Pfn(PagemapReader.ReadEntries(Environment.ProcessId, HostBackend.MapBase, 1, PageSize)[0]);
            if (pfn == 0)
                throw new HostUnavailableException("pagemap shows no page frame numbers here (CAP_SYS_ADMIN is needed)");
            return pfn;
        }
        finally
        {
            NativeMethods.Munmap(HostBackend.MapBase, PageSize);
        }
    }

    /// <summary>The huge page sizes with a pool: /sys/kernel/mm/hugepages/hugepages-NkB.</summary>
    /// Kernel: hugetlb_sysfs_add_hstate() (mm/hugetlb.c).
    private static ulong[] HugePagePools()
    {
        const string Root = "/sys/kernel/mm/hugepages";
        return Directory.Exists(Root) ? KernelText.PoolSizes(Directory.GetDirectories(Root).Select(Path.GetFileName)!) : [];
    }

    /// <summary>The default huge page size (Hugepagesize in /proc/meminfo), 2 MiB on x86_64.</summary>
    private static ulong DefaultHugePageSize() => KernelText.MeminfoKilobytes(File.ReadAllText("/proc/meminfo"), "Hugepagesize") * 1024 is > 0 and var size ? size : PmdSize;
}

/// <summary>What the backends read from a kernel's /proc and /sys text, wherever that kernel runs.</summary>
internal static class KernelText
{
    /// <summary>The sizes of hugetlb pools from their directory names (hugepages-NkB), ascending.</summary>
    public static ulong[] PoolSizes(IEnumerable<string> names) =>
        [.. names.Where(n => n.StartsWith("hugepages-", StringComparison.Ordinal) && n.EndsWith("kB", StringComparison.Ordinal))
            .Select(n => ulong.TryParse(n["hugepages-".Length..^"kB".Length], NumberStyles.None, CultureInfo.InvariantCulture, out ulong kb) ? kb * 1024 : 0)
            .Where(size => size != 0)
            .Order()];

    /// <summary>
    /// What a kernel offers of what a <c>needs</c> line may ask for: THP when its sysfs has the
    /// settings, the userfaultfd features UFFDIO_API offered (a kernel without
    /// HAVE_ARCH_USERFAULTFD_WP/_MINOR clears their bits; later releases add theirs), 64bit,
    /// odirect, numa.
    /// </summary>
    /// <param name="directIo">A file system for O_DIRECT is at hand (the runner's temporary directory takes it).</param>
    /// <param name="numa">The kernel has NUMA (CONFIG_NUMA: get_mempolicy exists), as its /sys/devices/system/node says.</param>
    public static string[] FeatureNames(bool thp, ulong offered, bool is64Bit, bool directIo, bool numa)
    {
        var features = new List<string>();
        if (thp)
            features.Add("thp");
        if ((offered & Pluggable.Core.Userfaultfd.UffdUapi.FeaturePagefaultFlagWp) != 0)
            features.Add("uffd-wp");
        if ((offered & Pluggable.Core.Userfaultfd.UffdUapi.FeatureMinorShmem) != 0)
            features.Add("uffd-minor");
        features.AddRange(Pluggable.Core.Userfaultfd.UffdUapi.LaterFeatureNames(offered));
        if (is64Bit)
            features.Add("64bit");
        if (directIo)
            features.Add("odirect");
        if (numa)
            features.Add("numa");
        return [.. features];
    }

    /// <summary>A file that exists only where the kernel has NUMA (CONFIG_NUMA).</summary>
    public const string NumaNodes = "/sys/devices/system/node/possible";

    /// <summary>Whether a /proc/kpageflags word marks the frame KPF_ZERO_PAGE (the zero page or the huge zero page).</summary>
    /// Kernel: stable_page_flags() (fs/proc/page.c).
    public static bool IsZeroPageFlags(ReadOnlySpan<byte> word)
    {
        const int kpfZeroPage = 24;
        return word.Length == 8 && (BitConverter.ToUInt64(word) & (1UL << kpfZeroPage)) != 0;
    }

    /// <summary>A /proc/meminfo field in kB, 0 when absent.</summary>
    public static ulong MeminfoKilobytes(string meminfo, string field)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal))
                continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong kb))
                return kb;
        }
        return 0;
    }
}
