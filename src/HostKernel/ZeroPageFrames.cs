namespace Pluggable.HostKernel;

/// <summary>
/// Which frames are the zero page and the huge zero page on the kernel a run uses. The zero page
/// is found once by reading a fresh private anonymous page and asking pagemap where it is mapped;
/// the huge zero page (allocated on first use, PMD aligned) is recognised through
/// /proc/kpageflags, which marks both zero pages with KPF_ZERO_PAGE, the first time pagemap
/// shows a candidate. One per run: the huge zero page may be freed and allocated elsewhere.
/// </summary>
/// Kernel: my_zero_pfn(), mm_get_huge_zero_folio(), stable_page_flags() (fs/proc/page.c).
/// <param name="isZeroPageFrame">Asks /proc/kpageflags about one frame.</param>
internal sealed class ZeroPageFrames(ulong zeroPfn, ulong hugeFrames, Func<ulong, bool> isZeroPageFrame)
{
    private ulong _hugeZeroHead = ulong.MaxValue;

    public ulong ZeroPfn { get; } = zeroPfn;

    /// <summary>Whether <paramref name="pfn"/> is the zero page or a frame of the huge zero page.</summary>
    public bool IsZero(ulong pfn)
    {
        if (pfn == ZeroPfn)
            return true;
        ulong head = pfn & ~(hugeFrames - 1);
        if (head == _hugeZeroHead)
            return true;
        if (_hugeZeroHead != ulong.MaxValue || !isZeroPageFrame(pfn))
            return false;
        _hugeZeroHead = head;
        return true;
    }
}
