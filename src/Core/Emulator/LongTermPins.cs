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
    private readonly Dictionary<(int Process, string Name), (int Holder, LongTermPin Pin)> _held = [];

    public bool Has(int process, string name) => _held.ContainsKey((process, name));

    public void Add(int process, string name, int holder, LongTermPin pin) => _held[(process, name)] = (holder, pin);

    /// <summary>Ends one registration; false when the process holds none of that name.</summary>
    public bool Release(int process, string name)
    {
        if (!_held.Remove((process, name), out var held))
            return false;
        held.Pin.Release();
        return true;
    }

    public void ReleaseProcess(int process)
    {
        foreach (var key in _held.Keys.Where(k => k.Process == process).ToList())
            Release(key.Process, key.Name);
    }

    public void ReleaseAll()
    {
        foreach (var (_, pin) in _held.Values)
            pin.Release();
        _held.Clear();
    }

    public void Report(ReferenceCensus census)
    {
        foreach (var ((process, _), (_, pin)) in _held)
        {
            if (pin.Pages is { } pages)
                census.Held(pages, pin.Start, pin: true, HolderKind.Pin, process);
        }
    }
}

/// <summary>A long-term pin's registration on a task of its own: io_uring's sleeps on a userfault.</summary>
public sealed class LongTermPinTask(MmStruct mm, LongTermPin pin, Action<LongTermPin> keep) : EmulatedTask(mm)
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
            return Scenarios.CommandResult.Error(outcome.Error);
        keep(pin);
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
    }
}
