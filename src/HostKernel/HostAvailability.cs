using System.Runtime.InteropServices;

namespace Pluggable.HostKernel;

/// <summary>Whether this machine can run scenarios on its own kernel, and if not, why (one line).</summary>
public static class HostAvailability
{
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Null when the host backend works here; otherwise the reason it cannot.</summary>
    public static string? WhyUnavailable() => Reason.Value;

    private static unsafe string? Probe()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
            return $"the host backend needs Linux on x86_64; this is {RuntimeInformation.OSDescription} on {RuntimeInformation.OSArchitecture}";
        int size;
        try
        {
            size = NativeMethods.Init();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"the native shim libpluggable_host.so is missing beside {typeof(HostAvailability).Assembly.Location} (the build makes it with gcc): {e.Message}";
        }
        if (size != sizeof(HostCallData))
            return $"the native shim does not match this assembly (struct ph_call is {size} bytes, expected {sizeof(HostCallData)}); rebuild";
        if (!File.Exists(ScenarioGroup.WorkerPath()))
            return $"the worker executable {ScenarioGroup.WorkerName} is missing beside {typeof(HostAvailability).Assembly.Location} (the build makes it with gcc)";
        if (NativeMethods.GetEuid() != 0)
            return "the host backend needs root: page frame numbers in /proc/PID/pagemap, /proc/kpageflags and the sysfs huge page settings";

        string? syscallError = TryUserfaultfd(viaDevice: false);
        string? deviceError = TryUserfaultfd(viaDevice: true);
        if (syscallError is not null && deviceError is not null)
            return $"userfaultfd is not usable here: userfaultfd(2) gave {syscallError}, /dev/userfaultfd gave {deviceError}";
        return null;
    }

    /// <summary>What this kernel offers of what a <c>needs</c> line may ask for (<see cref="KernelText.FeatureNames"/>).</summary>
    /// Kernel: userfaultfd_api() (fs/userfaultfd.c), mm/huge_memory.c hugepage_init_sysfs().
    public static string[] Features() =>
        KernelText.FeatureNames(Directory.Exists("/sys/kernel/mm/transparent_hugepage"), OfferedUffdFeatures(), Environment.Is64BitOperatingSystem,
            NativeMethods.DirectIoAvailable(), File.Exists(KernelText.NumaNodes));

    /// <summary>
    /// This machine's x86_64 configuration in the plugin's terms, for expectations that name one:
    /// levels=5 when the kernel runs 5-level paging (the la57 flag, which it clears when it does
    /// not: "address sizes" may claim 57 virtual bits regardless), pku=on when it enabled
    /// protection keys (the ospke flag).
    /// </summary>
    /// Kernel: arch/x86/kernel/cpu/proc.c show_cpuinfo() (the flags line), setup_pku().
    public static string Configuration()
    {
        string cpuinfo;
        try
        {
            cpuinfo = File.ReadAllText("/proc/cpuinfo");
        }
        catch (IOException)
        {
            return "";
        }
        var flags = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
        return $"levels={(flags.Contains("la57") ? 5 : 4)},pku={(flags.Contains("ospke") ? "on" : "off")}";
    }

    /// <summary>The features UFFDIO_API offers on this kernel; 0 when no userfaultfd can be made.</summary>
    private static ulong OfferedUffdFeatures()
    {
        var create = OpenUserfaultfd(viaDevice: false);
        if (create.Ret < 0)
            return 0;
        var api = new HostCall(HostOp.Api, (ulong)create.Ret, Pluggable.Core.Userfaultfd.UffdUapi.Api, 0UL);
        api.ExecuteHere();
        NativeMethods.Close((int)create.Ret);
        return api.Ret < 0 ? 0 : api.V(0);
    }

    private static string? TryUserfaultfd(bool viaDevice)
    {
        var call = OpenUserfaultfd(viaDevice);
        if (call.Ret < 0)
            return ((Pluggable.Core.Errno)call.Err).ToString();
        NativeMethods.Close((int)call.Ret);
        return null;
    }

    /// <summary>A userfaultfd of this process (close-on-exec, non-blocking); the call's Ret is its descriptor or -1.</summary>
    private static HostCall OpenUserfaultfd(bool viaDevice)
    {
        var call = new HostCall(HostOp.Uffd, (ulong)(Pluggable.Core.Userfaultfd.UffdUapi.OCloexec | Pluggable.Core.Userfaultfd.UffdUapi.ONonBlock), viaDevice ? 1UL : 0UL);
        call.ExecuteHere();
        return call;
    }
}

/// <summary>The host backend was asked for where it cannot work; the message is the one-line reason.</summary>
public sealed class HostUnavailableException(string reason) : Exception(reason);
