using Pluggable.Core.Mm;

namespace Pluggable.HostKernel.Tests;

/// <summary>The machine lock and its record, on a lock file and a copy of the sysfs settings of the test's own.</summary>
public sealed class MachineLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluggable-lock-").FullName;

    private string LockPath => Path.Combine(_dir, "machine.lock");

    private string Root => Path.Combine(_dir, "mm");

    public MachineLockTests()
    {
        var knobs = new SysfsKnobs(Root);
        string pool = Path.GetDirectoryName(knobs.HugepagesPath(2UL << 20))!;
        Directory.CreateDirectory(pool);
        foreach (var counter in new[] { "nr_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages", "nr_overcommit_hugepages" })
            File.WriteAllText(Path.Combine(pool, counter), "0\n");
        Directory.CreateDirectory(Path.GetDirectoryName(knobs.ThpPath)!);
        File.WriteAllText(knobs.ThpPath, "always [madvise] never\n");
        File.WriteAllText(Path.Combine(Root, "transparent_hugepage", "shmem_enabled"), "always within_size advise [never] deny force\n");
    }

    private HostBackendOptions Options(TextWriter notices) => new() { LockPath = LockPath, Notices = notices, LockNoticeAfter = TimeSpan.FromMilliseconds(50), SysfsRoot = Root };

    [Fact]
    public async Task A_second_taker_waits_and_names_the_holder()
    {
        var first = HostMachine.Take(Options(TextWriter.Null));
        var text = new StringWriter();
        var notices = TextWriter.Synchronized(text);
        var second = Task.Run(() => HostMachine.Take(Options(notices)));

        // The second taker is waiting once it says so; on a loaded machine that may take a while to come.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!text.ToString().Contains("waiting for the machine lock", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(20);
        Assert.False(second.IsCompleted);
        first.RestoreAndRelease();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).RestoreAndRelease();

        Assert.Contains($"pluggable: waiting for the machine lock {LockPath}, held by pid {Environment.ProcessId} (", text.ToString());
        Assert.Contains("pluggable: took the machine lock after ", text.ToString());
    }

    [Fact]
    public void A_holder_with_a_long_command_line_is_named_in_one_short_line()
    {
        using var holder = System.Diagnostics.Process.Start("sh", ["-c", "sleep 60", new string('x', 5000)]);
        try
        {
            string described = MachineLock.DescribeHolder($"holder {holder.Id}\n");

            Assert.StartsWith($"pid {holder.Id} (sh -c sleep 60 xxx", described);
            Assert.EndsWith(" ...)", described);
            Assert.True(described.Length < 200, described);
        }
        finally
        {
            holder.Kill();
        }
    }

    [Fact]
    public void Pool_sizes_are_compared_only_while_no_call_is_parked()
    {
        var machine = HostMachine.Take(Options(TextWriter.Null));
        string pool = new SysfsKnobs(Root).HugepagesPath(2UL << 20);
        try
        {
            // A parked hugetlb COPY's temporary page: counted in nr_hugepages, not in surplus_hugepages.
            File.WriteAllText(pool, "1\n");
            machine.CheckUnchanged(poolsSettled: false);
            Assert.Equal(Pluggable.Core.Errno.None, machine.Hugepages(2UL << 20, 2, poolsSettled: false));
            File.WriteAllText(pool, "3\n");
            machine.CheckUnchanged(poolsSettled: false);

            // With no call parked, the size then seen is the run's; a later difference is named.
            File.WriteAllText(pool, "2\n");
            machine.CheckUnchanged(poolsSettled: true);
            File.WriteAllText(pool, "5\n");
            var change = Assert.Throws<OutsideChangeException>(() => machine.CheckUnchanged(poolsSettled: true));
            Assert.Equal(["hugepages-2048kB/nr_hugepages 2 -> 5"], change.Changes);
        }
        finally
        {
            machine.RestoreAndRelease();
        }
    }

    [Fact]
    public void Settings_are_recorded_before_they_change_and_the_record_is_emptied_once_they_are_back()
    {
        var machine = HostMachine.Take(Options(TextWriter.Null));
        var knobs = new SysfsKnobs(Root);
        Assert.Equal(Pluggable.Core.Errno.None, machine.Thp(ThpPolicy.Never, poolsSettled: true));
        Assert.Equal(Pluggable.Core.Errno.None, machine.Hugepages(2UL << 20, 4, poolsSettled: true));

        Assert.Equal($"holder {Environment.ProcessId}\nrestore {knobs.ThpPath} madvise\nrestore {knobs.HugepagesPath(2UL << 20)} 0\n", ReadLocked(LockPath));
        var (failures, changes) = machine.RestoreAndRelease();

        Assert.Empty(failures);
        Assert.Empty(changes);
        Assert.Equal("", File.ReadAllText(LockPath));
        Assert.Equal("madvise", File.ReadAllText(knobs.ThpPath));
        Assert.Equal("0", File.ReadAllText(knobs.HugepagesPath(2UL << 20)));
    }

    [Fact]
    public async Task A_holder_killed_with_sigkill_leaves_its_record_and_the_next_holder_restores_from_it()
    {
        var knobs = new SysfsKnobs(Root);
        File.WriteAllText(knobs.ThpPath, "always madvise [never]\n");
        File.WriteAllText(LockPath, $"holder 999999\nrestore {knobs.ThpPath} madvise\n");
        // A holder that is alive until it is killed: flock(1) holds the lock for its whole life.
        using var holder = System.Diagnostics.Process.Start("flock", [LockPath, "sleep", "60"]);
        WaitUntilHeld(LockPath);
        var notices = new StringWriter();
        var taking = Task.Run(() => HostMachine.Take(Options(notices)));
        Assert.NotSame(taking, await Task.WhenAny(taking, Task.Delay(300)));

        holder.Kill(entireProcessTree: true);
        (await taking.WaitAsync(TimeSpan.FromSeconds(5))).RestoreAndRelease();

        Assert.Equal("madvise", File.ReadAllText(knobs.ThpPath));
        Assert.Contains($"pluggable: pid 999999 ended without restoring machine settings; put back {knobs.ThpPath} = madvise", notices.ToString());
    }

    [Fact]
    public void A_record_can_only_restore_the_settings_the_host_backend_changes()
    {
        string elsewhere = Path.Combine(_dir, "not-a-setting");
        File.WriteAllText(elsewhere, "keep");
        var knobs = new SysfsKnobs(Root);
        File.WriteAllText(LockPath, $"holder 1\nrestore {elsewhere} gone\nrestore {knobs.ThpPath} $(reboot)\nrestore {knobs.HugepagesPath(2UL << 20)} 7\n");
        var notices = new StringWriter();

        HostMachine.Take(Options(notices)).RestoreAndRelease();

        Assert.Equal("keep", File.ReadAllText(elsewhere));
        Assert.Equal("always [madvise] never\n", File.ReadAllText(knobs.ThpPath));
        Assert.Equal("7", File.ReadAllText(knobs.HugepagesPath(2UL << 20)));
        Assert.Contains($"{elsewhere}: not a setting the host backend changes, left alone", notices.ToString());
    }

    [Theory]
    [InlineData("", null, 0)]
    [InlineData("holder 12\n", 12, 0)]
    [InlineData("holder 12\nrestore /sys/x 0\nrestore /sys/y never\n", 12, 2)]
    [InlineData("holder x\nrestore /sys/x\ngarbage\n", null, 0)]
    public void Records_parse_leniently(string text, int? holder, int restores)
    {
        var (parsed, restore) = MachineLock.Parse(text);
        Assert.Equal(holder, parsed);
        Assert.Equal(restores, restore.Count);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void WaitUntilHeld(string path)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            using var file = new Microsoft.Win32.SafeHandles.SafeFileHandle(NativeMethods.Open(path, 0, 0), ownsHandle: true);
            if (NativeMethods.Flock((int)file.DangerousGetHandle(), NativeMethods.LockEx | NativeMethods.LockNb) != 0)
                return;
            NativeMethods.Flock((int)file.DangerousGetHandle(), NativeMethods.LockUn);
            Thread.Sleep(10);
        }
        Assert.Fail($"nothing took {path}");
    }

    /// <summary>.NET's own file opening takes a shared flock (its FileShare emulation), which the held lock refuses.</summary>
    private static string ReadLocked(string path)
    {
        using var file = new Microsoft.Win32.SafeHandles.SafeFileHandle(NativeMethods.Open(path, 0, 0), ownsHandle: true);
        var buffer = new byte[4096];
        return System.Text.Encoding.UTF8.GetString(buffer, 0, RandomAccess.Read(file, buffer, 0));
    }
}
