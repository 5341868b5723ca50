using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel;

/// <summary>
/// The real kernel a <see cref="HostBackend"/> runs scenarios on: this machine's own
/// (<see cref="LocalKernel"/>), or one booted under QEMU (<see cref="Vm.VmKernel"/>). The backend
/// turns scenario commands into calls of the scenario processes' command loop; this says how
/// those processes are started and ended and how the backend sees what the kernel cannot
/// return from a call: thread states, pagemap, machine-wide settings.
/// </summary>
internal interface ITargetKernel
{
    /// <summary>The backend's name in transcripts and diffs: <c>host</c>, <c>vm:arm64-6.12</c>.</summary>
    string Name { get; }

    BackendFacts Facts { get; }

    /// <summary>The frame of the zero page, found once.</summary>
    ulong ZeroPfn { get; }

    /// <summary>Where the scenario's mappings start, far from the worker's own.</summary>
    ulong MapBase { get; }

    /// <summary>
    /// Where the kernel fixes one page size per region of the address space (the PowerPC hash
    /// MMU's 1 TB slices), that region's size: hugetlb mappings and their mremap destinations
    /// then each get regions of their own, from <see cref="HugetlbBase"/> up. 0: no such rule.
    /// </summary>
    ulong HugetlbRegion { get; }

    /// <summary>Where hugetlb mappings start when <see cref="HugetlbRegion"/> is not 0.</summary>
    ulong HugetlbBase => MapBase * 2;

    /// <summary>Takes the machine-wide settings for one run (a lock where others share the machine).</summary>
    IMachineSettings TakeMachine(HostBackendOptions options);

    /// <summary>Starts a scenario's first process in a process group of its own.</summary>
    /// <exception cref="HostUnavailableException">It cannot be started.</exception>
    (int Pid, IProcessChannel Channel) Spawn(int lockFd);

    /// <summary>Kills a scenario's process group and reaps it; the processes still there after the limit, as "pid name state".</summary>
    IReadOnlyList<string> EndGroup(int group);

    ThreadState ReadThread(int pid, int tid);

    /// <summary>Whether /proc/kpageflags marks <paramref name="pfn"/> KPF_ZERO_PAGE.</summary>
    bool IsZeroPageFrame(ulong pfn);

    /// <summary>A scenario's pagemap range, read as <see cref="PagemapReader.Read"/> defines it.</summary>
    PagemapRuns Pagemap(int pid, ulong start, ulong length, ulong regionStart, ulong regionEnd, ZeroPageFrames zero);
}

/// <summary>The machine-wide settings of one run: what it may change and must put back.</summary>
internal interface IMachineSettings
{
    /// <summary>A descriptor the scenario's processes inherit to keep the machine lock held (-1: none).</summary>
    int LockDescriptor { get; }

    string LockPath { get; }

    Pluggable.Core.Errno Hugepages(ulong size, ulong count, bool poolsSettled);

    Pluggable.Core.Errno Thp(ThpPolicy policy, bool poolsSettled);

    /// <exception cref="OutsideChangeException">A setting is not what this run left it at.</exception>
    void CheckUnchanged(bool poolsSettled);

    /// <summary>Puts the settings back and lets the next run in; what could not be put back, and what else changed.</summary>
    (IReadOnlyList<string> Failures, IReadOnlyList<string> Changes) RestoreAndRelease();
}
