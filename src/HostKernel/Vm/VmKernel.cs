using System.Globalization;
using System.Text;
using Pluggable.Core;
using Pluggable.Core.Kernel;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.HostKernel.Vm;

/// <summary>
/// A real kernel under QEMU as a <see cref="HostBackend"/> runs scenarios on it: the guest agent
/// starts and ends the scenario's processes, relays their calls, and reads the guest's /proc and
/// /sys for the backend. The guest is the run's alone, so no lock is taken; the settings a
/// scenario changes are put back before the next one.
/// </summary>
internal sealed class VmKernel : ITargetKernel, IKernelFiles
{
    private readonly VmLink _link;

    private VmKernel(VmLink link, VmSpec spec)
    {
        _link = link;
        Spec = spec;
        Name = $"vm:{spec.Name}";
        ulong page = (ulong)link.PageSize;
        string meminfo = Read("/proc/meminfo") ?? "";
        ulong pmd = ulong.TryParse(Read("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong p)
            ? p
            : page * (page / 8);
        ulong huge = KernelText.MeminfoKilobytes(meminfo, "Hugepagesize") * 1024;
        MemoryBytes = KernelText.MeminfoKilobytes(meminfo, "MemTotal") * 1024;
        (UffdFeatures, ZeroPfn) = Probe(page);
        var features = KernelText.FeatureNames(Read("/sys/kernel/mm/transparent_hugepage/enabled") is not null, UffdFeatures, is64Bit: true, directIo: false,
            numa: Read(KernelText.NumaNodes) is not null);
        Facts = new BackendFacts(spec.EmulatorArch, [spec.DebianArch], page, huge == 0 ? pmd : huge, pmd, features, spec.EmulatorConfiguration,
            KernelText.PoolSizes(Directories("/sys/kernel/mm/hugepages")), LinuxVersion.TryParse(link.Release, out var release) ? release : null);
    }

    public VmSpec Spec { get; }

    public string Name { get; }

    public BackendFacts Facts { get; }

    public ulong ZeroPfn { get; }

    public ulong MapBase => HostBackend.MapBase;

    public ulong HugetlbRegion => Spec.HugetlbRegion;

    /// <summary>The guest's MemTotal.</summary>
    public ulong MemoryBytes { get; }

    /// <summary>The userfaultfd features UFFDIO_API offers.</summary>
    public ulong UffdFeatures { get; }

    public string Release => _link.Release;

    /// <exception cref="VmException">The guest's answers make no sense (its agent or kernel is not what was expected).</exception>
    public static VmKernel Attach(VmLink link, VmSpec spec) => new(link, spec);

    public IMachineSettings TakeMachine(HostBackendOptions options) => new VmSettings(this);

    public (int Pid, IProcessChannel Channel) Spawn(int lockFd)
    {
        var answer = Fields(_link.Ask("spawn"));
        if (answer.Length < 2 || !int.TryParse(answer[0], CultureInfo.InvariantCulture, out int pid) || pid <= 0)
            throw new HostUnavailableException($"the {Spec.Name} guest cannot start a scenario process: {string.Join(' ', answer)}");
        return (pid, _link.Channel(int.Parse(answer[1], CultureInfo.InvariantCulture)));
    }

    public IReadOnlyList<string> EndGroup(int group)
    {
        var answer = Fields(_link.Ask($"kill {group}"));
        int left = answer.Length > 0 && int.TryParse(answer[0], CultureInfo.InvariantCulture, out int n) ? n : -1;
        return left == 0 ? [] : [$"{(left < 0 ? "some" : left)} process(es) of group {group} in the {Spec.Name} guest"];
    }

    public ThreadState ReadThread(int pid, int tid) => ThreadState.Read(pid, tid, Read);

    public bool IsZeroPageFrame(ulong pfn)
    {
        return ReadBytes("/proc/kpageflags", pfn * 8, 8) is { } word && KernelText.IsZeroPageFlags(word);
    }

    /// <summary>As <see cref="PagemapReader.Read"/>, with the guest's agent finding and reading the populated entries.</summary>
    public PagemapRuns Pagemap(int pid, ulong start, ulong length, ulong regionStart, ulong regionEnd, ZeroPageFrames zero) =>
        PagemapReader.Frame(start, length, Facts.PageSize, _link.TaskSize, regionStart, regionEnd, (from, to, runs) =>
        {
            ulong page = Facts.PageSize, cursor = from;
            var answer = Fields(_link.Ask($"pagemap {pid} {from:x} {to:x}"));
            if (answer.Length == 0 || !long.TryParse(answer[0], CultureInfo.InvariantCulture, out long count) || count < 0)
                throw new IOException($"the {Spec.Name} guest cannot read the pagemap of pid {pid}: {string.Join(' ', answer)}");
            foreach (var run in answer.Skip(1))
            {
                var f = run.Split(':');
                ulong at = Hex(f[0]), n = Hex(f[1]), entry = Hex(f[2]), step = Hex(f[3]);
                runs.Add(PagemapFlags.None, (at - cursor) / page);
                for (ulong i = 0; i < n; i++)
                    runs.Add(PagemapEntry.Decode(entry + i * step, zero.IsZero), 1, PagemapEntry.Pfn(entry + i * step));
                cursor = at + n * page;
            }
            runs.Add(PagemapFlags.None, (to - cursor) / page);
        });

    public string? Read(string path) => ReadBytes(path, 0, 65536) is { } bytes ? Encoding.Latin1.GetString(bytes) : null;

    public Errno Write(string path, string text)
    {
        var answer = Fields(_link.Ask($"write {path} {Convert.ToHexStringLower(Encoding.Latin1.GetBytes(text))}"));
        return answer.Length > 0 && int.TryParse(answer[0], CultureInfo.InvariantCulture, out int r) ? (Errno)(-r) : Errno.EIO;
    }

    /// <summary>The entries of a guest directory.</summary>
    public IReadOnlyList<string> Directories(string dir)
    {
        var answer = Fields(_link.Ask($"list {dir}"));
        return answer.Length > 1 && answer[0] != "0" && !answer[0].StartsWith('-') ? answer[1].Split(',') : [];
    }

    private byte[]? ReadBytes(string path, ulong offset, int max)
    {
        var answer = Fields(_link.Ask($"read {path} {offset} {max}"));
        if (answer.Length == 0 || !int.TryParse(answer[0], CultureInfo.InvariantCulture, out int n) || n < 0)
            return null;
        return n == 0 ? [] : Convert.FromHexString(answer[1]);
    }

    /// <summary>
    /// What the backend learns once per boot from a scenario process of its own: the features
    /// UFFDIO_API offers, and the zero page's frame (a fresh private page, read, in pagemap).
    /// </summary>
    private (ulong Features, ulong ZeroPfn) Probe(ulong pageSize)
    {
        var (pid, channel) = Spawn(-1);
        var process = HostProcess.First(pid, channel, MapBase);
        try
        {
            var uffd = Call(process, new HostCall(HostOp.Uffd, (ulong)(UffdUapi.OCloexec | UffdUapi.ONonBlock), 0UL));
            ulong features = 0;
            if (uffd.Ret >= 0)
                features = Call(process, new HostCall(HostOp.Api, (ulong)uffd.Ret, UffdUapi.Api, 0UL)) is { Ret: 0 } api ? api.V(0) : 0;
            const int protRead = 1, mapPrivateAnonymous = 0x22;
            var map = Call(process, new HostCall(HostOp.Mmap, MapBase, pageSize, protRead, mapPrivateAnonymous, ulong.MaxValue, 0));
            if (map.Ret < 0)
                throw new VmException($"the {Spec.Name} guest cannot map a probe page: {(Errno)map.Err}");
            Call(process, new HostCall(HostOp.Touch, MapBase, 0, 0));
            var answer = Fields(_link.Ask($"pagemap {pid} {MapBase:x} {MapBase + pageSize:x}"));
            ulong pfn = answer.Length > 1 ? PagemapEntry.Pfn(Hex(answer[1].Split(':')[2])) : 0;
            if (pfn == 0)
                throw new VmException($"the {Spec.Name} guest's pagemap shows no frame for the zero page: {string.Join(' ', answer)}");
            return (features, pfn);
        }
        finally
        {
            EndGroup(pid);
            process.Close();
        }
    }

    private static HostCall Call(HostProcess process, HostCall call)
    {
        if (!process.Start(call))
            throw new VmException("the probe process is gone");
        call.WaitDone();
        return call;
    }

    private static string[] Fields(string answer) => answer.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}

/// <summary>
/// The settings of a scenario in the guest: the hugetlb pools and the THP policy, set to the
/// scenario language's default (<c>madvise</c>) at the start and put back at the end, so that
/// the next scenario of the same boot finds the guest as it booted.
/// </summary>
internal sealed class VmSettings : IMachineSettings
{
    private readonly SysfsKnobs _knobs;

    public VmSettings(VmKernel kernel)
    {
        _knobs = new SysfsKnobs("/sys/kernel/mm", null, kernel);
        if (kernel.Facts.Has("thp"))
            _knobs.Thp(ThpPolicy.Madvise);
    }

    public int LockDescriptor => -1;

    public string LockPath => "(none: the guest is the run's own)";

    public Errno Hugepages(ulong size, ulong count, bool poolsSettled) => _knobs.Hugepages(size, count);

    public Errno Thp(ThpPolicy policy, bool poolsSettled) => _knobs.Thp(policy);

    public void CheckUnchanged(bool poolsSettled)
    {
    }

    public (IReadOnlyList<string> Failures, IReadOnlyList<string> Changes) RestoreAndRelease() => (_knobs.Restore(), []);
}
