namespace Pluggable.Fuzzing;

/// <summary>The system calls that reach GUP, the long-term pins they leave, and <c>frames</c>.</summary>
internal sealed partial class GenerationRun
{
    private static readonly string[] GupSyscalls =
        ["process_vm_readv", "process_vm_writev", "procmem read", "procmem write", "vmsplice", "odirect read", "odirect write"];

    private bool GupSyscall(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        if (_random.Chance(0.15))
            return OnePageGupSyscall(p, m);
        string call = _random.Pick(GupSyscalls);
        var range = _ranges.BoundedRange(m, TouchBudget);
        // O_DIRECT moves whole 512-byte blocks; a range in part blocks is EINVAL, now and then.
        if (call.StartsWith("odirect", StringComparison.Ordinal) && _random.Chance(0.9))
            range = (range.Offset, Math.Max(512, AlignDown(range.Length, 512)));
        bool writes = call is "process_vm_writev" or "procmem write" or "odirect read";
        if (!ParkWithoutRace(m, range.Offset, range.Length, writes))
            return false;
        string pattern = writes ? " " + (_random.Chance(0.3) ? "pageidx" : ScenarioText.Byte((byte)_random.Next(256))) : "";
        Emit(p, $"{call} {Range(m, range)}{pattern}");
        ExpectFault(m, range.Offset);
        return true;
    }

    /// <summary><c>get_mempolicy ADDR</c> or <c>futex_wake_op ADDR</c> (rarely off a futex word's alignment).</summary>
    private bool OnePageGupSyscall(ModelProcess p, ModelMapping m)
    {
        bool futex = _random.Chance(0.5);
        ulong offset = _ranges.Point(m);
        if (futex && _random.Chance(0.9))
            offset = AlignDown(offset, sizeof(uint));
        if (!ParkWithoutRace(m, offset, 1, write: futex))
            return false;
        Emit(p, $"{(futex ? "futex_wake_op" : "get_mempolicy")} {Address(m, offset)}");
        ExpectFault(m, offset);
        return true;
    }

    private bool LongTermPin(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        bool uring = _random.Chance(0.6);
        var range = _ranges.BoundedRange(m, TouchBudget);
        // AF_XDP takes whole 2048-byte chunks from a page boundary; other shapes are EINVAL.
        if (!uring && _random.Chance(0.9))
            range = (AlignDown(range.Offset, _page), Math.Max(2048, AlignDown(range.Length, 2048)));
        if (uring && !ParkWithoutRace(m, range.Offset, range.Length, write: true))
            return false;
        string name = $"{(uring ? "r" : "s")}{p.Registrations.Count + 1}";
        Emit(p, $"{(uring ? "iouring" : "xdp")} register {name} {Range(m, range)}");
        p.Registrations.Add(name);
        if (uring)
            ExpectFault(m, range.Offset);
        return true;
    }

    private bool EndLongTermPin(ModelProcess p)
    {
        if (p.Registrations.Count == 0)
            return false;
        string name = _random.Pick(p.Registrations);
        if (_random.Chance(0.9))
            p.Registrations.Remove(name);
        Emit(p, name.StartsWith('r') ? $"iouring unregister {name}" : $"xdp close {name}");
        return true;
    }

    private bool Frames(ModelProcess p)
    {
        if (PickMapping(p) is not { } m)
            return false;
        Emit(p, $"frames {Range(m, _ranges.Range(m))}");
        return true;
    }
}
