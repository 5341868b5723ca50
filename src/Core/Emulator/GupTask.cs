using System.Globalization;
using Pluggable.Core.Gup;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The emulator-only <c>gup</c> command: one get/pin_user_pages call, which sleeps when an
/// unlockable call faults on a registered range. Plain references are dropped at once (the
/// scenario only sees the count); pins are kept for <c>unpin</c>.
/// </summary>
public sealed class GupTask(MmStruct mm, GetUserPages call, ulong start, bool dump, Action<ulong, ulong> keepPin, Func<ulong, string> formatAddress)
    : EmulatedTask(mm)
{
    public override CommandResult? Run()
    {
        var outcome = call.Run();
        if (outcome.IsBlocked)
        {
            Waiter = outcome.Blocked;
            return null;
        }
        var system = Mm.System;
        var result = outcome.Pages > 0 || outcome.Error == Errno.None ? CommandResult.FromBytes(outcome.Pages) : CommandResult.Error(outcome.Error);
        if (dump)
            result.Detail = Describe(system);
        bool pinned = (call.Flags & GupFlags.Pin) != 0;
        for (int i = 0; i < call.Pages.Count; i++)
        {
            if (pinned)
                keepPin(start + ((ulong)i << system.PageShift), call.Pages[i]);
            else
                PinCounting.Release(system, call.Pages[i], call.Flags);
        }
        return result;
    }

    /// <summary>The pages taken before the task slept are given back.</summary>
    public override void Abort()
    {
        base.Abort();
        for (int i = 0; i < call.Pages.Count; i++)
            PinCounting.Release(Mm.System, call.Pages[i], call.Flags);
    }

    private List<string> Describe(MemorySystem system)
    {
        var lines = new List<string>(call.Pages.Count);
        for (int i = 0; i < call.Pages.Count; i++)
        {
            ulong pfn = call.Pages[i];
            ref var d = ref system.Memory[system.Memory.HeadOf(pfn)];
            string what = system.Zero.IsZero(pfn) ? " zero" : "";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{formatAddress(start + ((ulong)i << system.PageShift))} pfn=0x{pfn:x}{what} refcount={d.RefCount} mapcount={system.Memory[pfn].MapCount} pincount={d.PinCount}"));
        }
        return lines;
    }
}
