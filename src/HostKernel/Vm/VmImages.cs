using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Pluggable.HostKernel.Vm;

/// <summary>
/// What a VM boots, made on first use and cached: the kernel (Debian's package, fetched by
/// fetch-kernel, or one a build script makes from source) and the initramfs, whose /init is the
/// guest agent cross-compiled statically from the project's own C. The cache is
/// $PLUGGABLE_VM_CACHE, else $XDG_CACHE_HOME/pluggable/vm, else ~/.cache/pluggable/vm.
/// </summary>
internal static class VmImages
{
    private static readonly string[] AgentSources = ["vm_agent.c", "pluggable_host.c"];
    private static readonly object Building = new();

    public static string CacheRoot
    {
        get
        {
            if (Environment.GetEnvironmentVariable("PLUGGABLE_VM_CACHE") is { Length: > 0 } dir)
                return dir;
            string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "pluggable", "vm");
        }
    }

    /// <summary>Says which tool or package is missing for <paramref name="spec"/>, or null when nothing is.</summary>
    public static string? MissingTools(VmSpec spec)
    {
        var missing = new List<string>();
        if (!OnPath(spec.Qemu[0]))
            missing.Add($"{spec.Qemu[0]} (Debian package {QemuPackage(spec.Qemu[0])})");
        if (!OnPath($"{spec.CrossTriplet}-gcc"))
            missing.Add($"{spec.CrossTriplet}-gcc (Debian packages {string.Join(" ", CrossPackages(spec.CrossTriplet))})");
        if (spec.Package is not null && (!OnPath("apt-get") || !OnPath("dpkg-deb")))
            missing.Add("apt-get and dpkg-deb (Debian's apt and dpkg)");
        if (missing.Count == 0)
            return null;
        return $"the VM backend for {spec.Name} needs {string.Join(", ", missing)}; "
            + $"{Path.Combine(VmCatalog.Directory, "install-packages")} installs every package the VM kernels need";
    }

    /// <summary>The kernel image, fetched or built the first time.</summary>
    /// <exception cref="VmException">It cannot be fetched or built (the script's message says why).</exception>
    public static string Kernel(VmSpec spec, TextWriter notices)
    {
        string dir = Path.Combine(CacheRoot, "kernels", spec.Package ?? BuiltKernelName(spec.BuildScript!));
        string kernel = Path.Combine(dir, "kernel");
        lock (Building)
        {
            if (File.Exists(kernel) && File.Exists(Path.Combine(dir, "version")))
                return kernel;
            Directory.CreateDirectory(dir);
            if (spec.Package is { } package)
            {
                notices.WriteLine($"pluggable: fetching {package} ({spec.DebianArch}) from the Debian archive into {dir}");
                RunScript("fetch-kernel", [package, spec.DebianArch, dir]);
            }
            else
            {
                notices.WriteLine($"pluggable: building the {spec.Name} kernel from source into {dir} (once; several minutes)");
                RunScript(spec.BuildScript!, [dir]);
            }
            notices.Flush();
            if (!File.Exists(kernel))
                throw new VmException($"the {spec.Name} kernel was not left at {kernel}");
            return kernel;
        }
    }

    /// <summary>A built kernel's cache entry: the script's name and a hash of its text, so that a changed configuration builds anew.</summary>
    private static string BuiltKernelName(string script)
    {
        string path = Path.Combine(VmCatalog.Directory, script);
        if (!File.Exists(path))
            throw new VmException($"the script {path} is missing");
        return $"{script}-{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..12]}";
    }

    /// <summary>The initramfs with the guest agent as /init, built once per architecture and agent source.</summary>
    /// <exception cref="VmException">The cross compiler failed.</exception>
    public static string Initramfs(VmSpec spec)
    {
        var sources = AgentSources.Select(s => Path.Combine(VmCatalog.Directory, "agent", s)).ToArray();
        foreach (var source in sources)
        {
            if (!File.Exists(source))
                throw new VmException($"the guest agent's source {source} is missing (the build copies it beside the assembly)");
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(sources.Select(File.ReadAllText)) + spec.CrossTriplet)))[..16];
        string dir = Path.Combine(CacheRoot, "initramfs");
        string image = Path.Combine(dir, $"{spec.DebianArch}-{hash}.cpio");
        lock (Building)
        {
            if (File.Exists(image))
                return image;
            Directory.CreateDirectory(dir);
            string agent = Path.Combine(dir, $"{spec.DebianArch}-{hash}.init");
            Run($"{spec.CrossTriplet}-gcc", ["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", agent, .. sources]);
            string partial = image + ".partial";
            using (var output = File.Create(partial))
                Cpio.Write(output, [("init", File.ReadAllBytes(agent), Convert.ToInt32("100755", 8))]);
            File.Delete(agent);
            File.Move(partial, image, overwrite: true);
            return image;
        }
    }

    private static void RunScript(string script, string[] args)
    {
        string path = Path.Combine(VmCatalog.Directory, script);
        if (!File.Exists(path))
            throw new VmException($"the script {path} is missing");
        Run("bash", [path, .. args]);
    }

    /// <exception cref="VmException">The tool failed; its last lines of output are in the message.</exception>
    private static void Run(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new VmException($"cannot start {file}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var last = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8);
            throw new VmException($"{Path.GetFileName(file)} {string.Join(' ', args.Select(Path.GetFileName))} failed (exit {process.ExitCode}): {string.Join(" / ", last)}");
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));

    private static string QemuPackage(string qemu) => qemu switch
    {
        "qemu-system-aarch64" => "qemu-system-arm",
        "qemu-system-ppc64" => "qemu-system-ppc",
        "qemu-system-x86_64" => "qemu-system-x86",
        _ => "qemu-system-*",
    };

    private static string[] CrossPackages(string triplet) => triplet switch
    {
        "aarch64-linux-gnu" => ["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"],
        "powerpc64le-linux-gnu" => ["gcc-powerpc64le-linux-gnu", "libc6-dev-ppc64el-cross"],
        "x86_64-linux-gnu" => ["gcc"],
        _ => [$"gcc-{triplet}"],
    };
}

/// <summary>Writes a newc cpio archive, the format the kernel unpacks as its initramfs.</summary>
/// Kernel: init/initramfs.c (the newc header: magic 070701 and thirteen 8-digit hex fields).
internal static class Cpio
{
    public static void Write(Stream output, IEnumerable<(string Name, byte[] Data, int Mode)> files)
    {
        int inode = 1;
        foreach (var (name, data, mode) in files)
            Entry(output, name, data, mode, inode++);
        Entry(output, "TRAILER!!!", [], 0, 0);
    }

    private static void Entry(Stream output, string name, byte[] data, int mode, int inode)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        int[] fields = [inode, mode, 0, 0, 1, 0, data.Length, 0, 0, 0, 0, nameBytes.Length, 0];
        var header = Encoding.ASCII.GetBytes("070701" + string.Concat(fields.Select(f => f.ToString("x8"))));
        output.Write(header);
        output.Write(nameBytes);
        Pad(output, header.Length + nameBytes.Length);
        output.Write(data);
        Pad(output, data.Length);
    }

    private static void Pad(Stream output, int written)
    {
        for (int i = written; i % 4 != 0; i++)
            output.WriteByte(0);
    }
}
