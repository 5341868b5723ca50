using Microsoft.Win32.SafeHandles;
using Pluggable.Core.Mm;

namespace Pluggable.HostKernel;

/// <summary>Reads /proc/PID/pagemap of a scenario process (its own for the .NET process).</summary>
/// Kernel: pagemap_read() (fs/proc/task_mmu.c); frame numbers need CAP_SYS_ADMIN.
internal static class PagemapReader
{
    public static ulong[] ReadEntries(int pid, ulong start, ulong pages, ulong pageSize)
    {
        var entries = new ulong[pages];
        if (pages == 0)
            return entries;
        using SafeFileHandle handle = File.OpenHandle($"/proc/{pid}/pagemap", FileMode.Open, FileAccess.Read);
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(entries.AsSpan());
        long offset = (long)(start / pageSize * 8);
        int done = 0;
        while (done < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes[done..], offset + done);
            if (n <= 0)
                break;
            done += n;
        }
        return entries;
    }

    public static PagemapFlags[] Read(int pid, ulong start, ulong length, ulong pageSize, ZeroPageFrames zero)
    {
        var entries = ReadEntries(pid, start, length / pageSize, pageSize);
        var flags = new PagemapFlags[entries.Length];
        for (int i = 0; i < entries.Length; i++)
            flags[i] = PagemapEntry.Decode(entries[i], zero.IsZero);
        return flags;
    }
}
