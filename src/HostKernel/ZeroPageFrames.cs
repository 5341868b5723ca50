using Microsoft.Win32.SafeHandles;

namespace Pluggable.HostKernel;

/// <summary>
/// Which frames are the zero page and the huge zero page on this machine. The zero page is found
/// once by reading a fresh private anonymous page and asking pagemap where it is mapped; the huge
/// zero page (allocated on first use, 2 MiB aligned) is recognised through /proc/kpageflags,
/// which marks both zero pages with KPF_ZERO_PAGE, the first time pagemap shows a candidate.
/// </summary>
/// Kernel: my_zero_pfn(), mm_get_huge_zero_folio(), stable_page_flags() (fs/proc/page.c).
internal sealed class ZeroPageFrames(ulong zeroPfn, ulong hugeFrames) : IDisposable
{
    private const int KpfZeroPage = 24;
    private SafeFileHandle? _kpageflags;
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
        if (_hugeZeroHead != ulong.MaxValue || !KpageflagsZero(pfn))
            return false;
        _hugeZeroHead = head;
        return true;
    }

    private bool KpageflagsZero(ulong pfn)
    {
        try
        {
            _kpageflags ??= File.OpenHandle("/proc/kpageflags", FileMode.Open, FileAccess.Read);
            Span<byte> word = stackalloc byte[8];
            if (RandomAccess.Read(_kpageflags, word, (long)(pfn * 8)) != 8)
                return false;
            return (BitConverter.ToUInt64(word) & (1UL << KpfZeroPage)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose() => _kpageflags?.Dispose();
}
