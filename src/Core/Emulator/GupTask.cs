using System.Globalization;
using Pluggable.Core.Debug;
using Pluggable.Core.Gup;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.Core.Emulator;

/// <summary>
/// The emulator-only <c>gup</c> command: one get/pin_user_pages call, which sleeps when an
/// unlockable call faults on a registered range, holding the pages taken so far. Plain references
/// are dropped at once (the scenario only sees the count); pins are kept for <c>unpin</c>.
/// </summary>
public sealed class GupTask(MmStruct mm, GetUserPages call, ulong start, bool dump, Action<PageRuns> keepPins, Func<ulong, string> formatAddress)
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
        var result = outcome.Pages > 0 || outcome.Error == Errno.None ? CommandResult.FromBytes(outcome.Pages) : CommandResult.Error(outcome.Error);
        if (dump)
            result.Detail = Describe(Mm.System);
        if ((call.Flags & GupFlags.Pin) != 0)
            keepPins(call.Pages);
        else
            Release();
        return result;
    }

    public override void ReportReferences(ReferenceCensus census)
    {
        census.Held(call.Pages, start, (call.Flags & GupFlags.Pin) != 0, HolderKind.GupReference, Id);
    }

    /// <summary>Kernel: a caller that gets a fatal signal drops the pages it took (unpin_user_pages()/put_page()).</summary>
    public override void Abandon()
    {
        base.Abandon();
        Release();
    }

    private void Release()
    {
        PinCounting.ReleaseAll(Mm.System, call.Pages, call.Flags);
    }

    private List<string> Describe(MemorySystem system)
    {
        var lines = new List<string>();
        ulong page = 0;
        foreach (var run in call.Pages.Runs)
        {
            for (ulong i = 0; i < run.Count; i++, page++)
            {
                if (lines.Count == DetailLimit.Lines)
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture,
                        $"... {call.Pages.Count - page} more pages not shown (a dump shows the first {DetailLimit.Lines})"));
                    return lines;
                }
                ulong pfn = run.PfnAt(i);
                ref var d = ref system.Memory[system.Memory.HeadOf(pfn)];
                string what = system.Zero.IsZero(pfn) ? " zero" : "";
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{formatAddress(start + (page << system.PageShift))} pfn=0x{pfn:x}{what} refcount={d.RefCount} mapcount={system.Memory[pfn].MapCount} pincount={d.PinCount}"));
            }
        }
        return lines;
    }
}
