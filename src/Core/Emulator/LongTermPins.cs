using Pluggable.Core.Debug;
using Pluggable.Core.Gup.Syscalls;
using Pluggable.Core.Mm;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The registrations that hold long-term pins (<c>iouring register</c>, <c>xdp register</c>), by
/// process and name, until they end or their process does.
/// </summary>
/// Kernel: the io_uring context's buffer table and the AF_XDP socket's umem.
public sealed class LongTermPins
{
    private readonly Dictionary<(int Process, string Name), LongTermPin> _held = [];
    private readonly HashSet<(int Process, string Name)> _pending = [];

    /// <summary>Whether the name is taken: registered, or a registration under it still runs (asleep on a userfault).</summary>
    public bool Has(int process, string name) => _held.ContainsKey((process, name)) || _pending.Contains((process, name));

    /// <summary>A registration under the name starts.</summary>
    public void Reserve(int process, string name) => _pending.Add((process, name));

    /// <summary>It ended: held from now on when <paramref name="pin"/> is given, else the name is free again.</summary>
    public void Settle(int process, string name, LongTermPin? pin)
    {
        _pending.Remove((process, name));
        if (pin is not null)
            _held[(process, name)] = pin;
    }

    /// <summary>Ends one registration; false when the process holds none of that name.</summary>
    public bool Release(int process, string name)
    {
        if (!_held.Remove((process, name), out var pin))
            return false;
        pin.Release();
        return true;
    }

    public void ReleaseProcess(int process)
    {
        _pending.RemoveWhere(k => k.Process == process);
        foreach (var key in _held.Keys.Where(k => k.Process == process).ToList())
            Release(key.Process, key.Name);
    }

    public void ReleaseAll()
    {
        foreach (var pin in _held.Values)
            pin.Release();
        _held.Clear();
        _pending.Clear();
    }

    public void Report(ReferenceCensus census)
    {
        foreach (var ((process, _), pin) in _held)
        {
            if (pin.Pages is { } pages)
                census.Held(pages, pin.Start, pin: true, HolderKind.Pin, process);
        }
    }
}

/// <summary>A long-term pin's registration on a task of its own: io_uring's sleeps on a userfault.</summary>
public sealed class LongTermPinTask(MmStruct mm, LongTermPin pin, Action<LongTermPin?> settle) : EmulatedTask(mm)
{
    public override Scenarios.CommandResult? Run()
    {
        var outcome = pin.Run();
        if (outcome.IsBlocked)
        {
            Waiter = outcome.Blocked;
            return null;
        }
        if (outcome.Error != Errno.None)
        {
            settle(null);
            return Scenarios.CommandResult.Error(outcome.Error);
        }
        settle(pin);
        return Scenarios.CommandResult.Ok();
    }

    public override void ReportReferences(ReferenceCensus census)
    {
        if (pin.Pages is { } pages)
            census.Held(pages, pin.Start, pin: true, HolderKind.GupReference, Id);
    }

    public override void Abandon()
    {
        base.Abandon();
        pin.Release();
        settle(null);
    }
}
