using Pluggable.Core;
using Pluggable.Core.Mm;

namespace Pluggable.HostKernel;

/// <summary>
/// The machine-wide side of one host run: the machine lock, held from before the run reads or
/// changes a machine-wide setting until the settings are back; the settings the scenario changes;
/// and the watch that names a change made meanwhile by anything that does not honour the lock.
/// </summary>
internal sealed class HostMachine : IMachineSettings
{
    private const string DefaultThp = "madvise";

    private readonly MachineLock _lock;
    private readonly SysfsKnobs _knobs;
    private readonly SettingsWatch _watch;
    private readonly MachineState _baseline;
    private readonly string _root;

    private HostMachine(MachineLock machineLock, SysfsKnobs knobs, SettingsWatch watch, MachineState baseline, string root)
    {
        _lock = machineLock;
        _knobs = knobs;
        _watch = watch;
        _baseline = baseline;
        _root = root;
    }

    /// <summary>The locked descriptor, for the scenario's processes to inherit.</summary>
    public int LockDescriptor => _lock.Descriptor;

    /// <summary>
    /// Waits for the machine lock, puts back what a holder that died left changed (saying so on
    /// <paramref name="options"/>' notices), reads the state the run starts from, and sets the THP
    /// policy to the scenario language's default (<c>madvise</c>) when the machine's differs.
    /// </summary>
    public static HostMachine Take(HostBackendOptions options)
    {
        var machineLock = MachineLock.Acquire(options.LockPath, options.Notices, options.LockNoticeAfter);
        try
        {
            var knobs = new SysfsKnobs(options.SysfsRoot, machineLock.Record);
            if (machineLock.Leftovers.Count > 0)
            {
                var failures = knobs.RestoreLeftovers(machineLock.Leftovers);
                string who = machineLock.PreviousHolder is { } pid ? $"pid {pid}" : "a process";
                options.Notices.WriteLine($"pluggable: {who} ended without restoring machine settings; put back "
                    + string.Join(", ", machineLock.Leftovers.Select(l => $"{l.Path} = {l.Value}"))
                    + (failures.Count > 0 ? "; failed: " + string.Join("; ", failures) : ""));
                options.Notices.Flush();
            }
            var baseline = MachineState.Read(options.SysfsRoot);
            // The scenario language's default policy, whatever this machine's is (or what a crashed run left): put back at the end.
            if (baseline.Thp is not ("" or DefaultThp))
                knobs.Thp(ThpPolicy.Madvise);
            return new HostMachine(machineLock, knobs, new SettingsWatch(options.SysfsRoot), baseline, options.SysfsRoot);
        }
        catch
        {
            machineLock.Dispose();
            throw;
        }
    }

    /// <param name="poolsSettled">No call of the run is parked (see <see cref="SettingsWatch"/>).</param>
    public Errno Hugepages(ulong size, ulong count, bool poolsSettled) => Change(() => _knobs.Hugepages(size, count), poolsSettled);

    public Errno Thp(ThpPolicy policy, bool poolsSettled) => Change(() => _knobs.Thp(policy), poolsSettled);

    /// <param name="poolsSettled">No call of the run is parked, so the pool sizes are compared too.</param>
    /// <exception cref="OutsideChangeException">A setting is not what this run left it at.</exception>
    public void CheckUnchanged(bool poolsSettled)
    {
        if (Unsettled(poolsSettled) is { Count: > 0 } changes)
            throw new OutsideChangeException(_lock.Path, changes);
    }

    /// <summary>
    /// With the scenario's processes gone: puts the settings back, compares the whole state with
    /// the one the run started from, and lets the next run in. Returns the settings that could not
    /// be put back and what else differs from the start (changes made from outside).
    /// </summary>
    public (IReadOnlyList<string> Failures, IReadOnlyList<string> Changes) RestoreAndRelease()
    {
        try
        {
            // Before the run's own values are written back over them; the scenario's processes are gone, and their temporary pages with them.
            var seen = Unsettled(poolsSettled: true);
            var failures = _knobs.Restore();
            return (failures, [.. seen, .. SettledChanges().Except(seen)]);
        }
        finally
        {
            _watch.Dispose();
            _lock.Dispose();
        }
    }

    public string LockPath => _lock.Path;

    /// <summary>Pages freed by exiting processes may reach the pool a moment later: look again a few times before calling it a change.</summary>
    private IReadOnlyList<string> SettledChanges()
    {
        const int looks = 20;
        IReadOnlyList<string> changes = [];
        for (int look = 0; look < looks; look++)
        {
            changes = MachineState.Read(_root).ChangesSince(_baseline);
            if (changes.Count == 0)
                break;
            Thread.Sleep(10);
        }
        return changes;
    }

    /// <summary>The watched settings that differ, looked at again a few times while any do.</summary>
    private IReadOnlyList<string> Unsettled(bool poolsSettled)
    {
        var changes = _watch.Changes(poolsSettled);
        // A pool's size is read as two counters: pages freed between the two reads (a scenario process exiting) look like a change for a moment.
        for (int look = 0; look < 3 && changes.Count > 0; look++)
        {
            Thread.Sleep(5);
            changes = _watch.Changes(poolsSettled);
        }
        return changes;
    }

    private Errno Change(Func<Errno> write, bool poolsSettled)
    {
        CheckUnchanged(poolsSettled);
        var result = write();
        _watch.Expect(poolsSettled);
        return result;
    }
}

/// <summary>A machine-wide setting changed during a host run while the run held the machine lock: something that does not honour the lock changed it.</summary>
public sealed class OutsideChangeException(string lockPath, IReadOnlyList<string> changes)
    : Exception($"the machine changed under the run from outside the project (the run held {lockPath}): {string.Join("; ", changes)}")
{
    public IReadOnlyList<string> Changes { get; } = changes;
}
