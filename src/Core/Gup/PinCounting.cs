using Pluggable.Core.Mm;

namespace Pluggable.Core.Gup;

/// <summary>
/// References and pins taken by GUP: a pin of a small page adds 1024 to its refcount, a pin of a
/// large folio adds 1 and counts in the folio's pincount. The zero page is never pinned.
/// </summary>
/// Kernel: try_grab_folio(), gup_put_folio(), GUP_PIN_COUNTING_BIAS, folio_maybe_dma_pinned().
public static class PinCounting
{
    public const int Bias = Folios.PinBias;

    /// <summary>Takes one reference or pin on the folio of <paramref name="pfn"/>.</summary>
    public static void Grab(MemorySystem system, ulong pfn, GupFlags flags)
    {
        if (system.Zero.IsZero(pfn))
            return;
        ulong head = system.Memory.HeadOf(pfn);
        ref var d = ref system.Memory[head];
        if ((flags & GupFlags.Pin) != 0)
        {
            if (d.Order > 0)
            {
                d.RefCount++;
                d.PinCount++;
            }
            else
            {
                d.RefCount += Bias;
            }
        }
        else if ((flags & GupFlags.Get) != 0)
        {
            d.RefCount++;
        }
    }

    /// <summary>Kernel: unpin_user_page() / put_page() for what <see cref="Grab"/> took.</summary>
    public static void Release(MemorySystem system, ulong pfn, GupFlags flags)
    {
        if (system.Zero.IsZero(pfn))
            return;
        ulong head = system.Memory.HeadOf(pfn);
        ref var d = ref system.Memory[head];
        if ((flags & GupFlags.Pin) != 0)
        {
            if (d.Order > 0)
            {
                if (d.PinCount <= 0)
                    throw new InvalidOperationException($"VM_BUG_ON: unpin of pfn 0x{head:x} with pincount {d.PinCount}");
                d.PinCount--;
                Folios.Put(system, head);
            }
            else
            {
                // The pin may be the last reference: its page was unmapped while pinned.
                if (d.RefCount < Bias)
                    throw new InvalidOperationException($"VM_BUG_ON: unpin of pfn 0x{head:x} with refcount {d.RefCount}, below one pin ({Bias})");
                d.RefCount -= Bias - 1;
                Folios.Put(system, head);
            }
        }
        else if ((flags & GupFlags.Get) != 0)
        {
            Folios.Put(system, head);
        }
    }

    /// <summary>Gives back everything one call took (the caller's pages array): Kernel: unpin_user_pages() / release_pages().</summary>
    public static void ReleaseAll(MemorySystem system, PageRuns pages, GupFlags flags)
    {
        foreach (var run in pages.Runs)
        {
            if (run.Repeats && system.Zero.IsZero(run.First))
                continue;
            for (ulong i = 0; i < run.Count; i++)
                Release(system, run.PfnAt(i), flags);
        }
        pages.Clear();
    }
}
