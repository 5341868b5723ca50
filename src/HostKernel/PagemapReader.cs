using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Pluggable.Core.Mm;

namespace Pluggable.HostKernel;

/// <summary>
/// Reads /proc/PID/pagemap of a scenario process (its own for the .NET process) as the scenario
/// language defines a <c>pagemap</c> range: the whole pages of the range below the task size,
/// where the scenario's own placement region is read from the kernel and everything outside it
/// (the runner's own mappings) reads as empty. Inside the region, PAGEMAP_SCAN first finds the
/// pages that hold anything (present or swap entries), and only those are read entry by entry,
/// so the cost follows what is populated, not the size of the range.
/// </summary>
/// Kernel: pagemap_read() (fs/proc/task_mmu.c, frame numbers need CAP_SYS_ADMIN) and the
/// PAGEMAP_SCAN ioctl, do_pagemap_scan() (Linux 6.7 and later).
internal static partial class PagemapReader
{
    /// <summary>TASK_SIZE of x86_64 with 4-level paging, where the host backend runs.</summary>
    public const ulong TaskSize = 0x7FFF_FFFF_F000;

    /// <summary>Entries read per call, and regions asked for per PAGEMAP_SCAN call.</summary>
    private const int Batch = 4096;

    /// <summary>_IOWR('f', 16, struct pm_scan_arg) of include/uapi/linux/fs.h.</summary>
    private const ulong PagemapScan = 0xC060_6610;

    private const ulong PageIsPresent = 1 << 3;
    private const ulong PageIsSwapped = 1 << 4;

    public static ulong[] ReadEntries(int pid, ulong start, ulong pages, ulong pageSize)
    {
        var entries = new ulong[pages];
        if (pages == 0)
            return entries;
        using SafeFileHandle handle = File.OpenHandle($"/proc/{pid}/pagemap", FileMode.Open, FileAccess.Read);
        ReadInto(handle, start, entries, pageSize);
        return entries;
    }

    /// <param name="regionStart">Where the scenario's mappings of this process may lie...</param>
    /// <param name="regionEnd">...and where they end: beyond it nothing is the scenario's.</param>
    public static PagemapRuns Read(int pid, ulong start, ulong length, ulong pageSize, ulong regionStart, ulong regionEnd, ZeroPageFrames zero) =>
        Frame(start, length, pageSize, TaskSize, regionStart, regionEnd, (from, to, runs) =>
        {
            using SafeFileHandle handle = File.OpenHandle($"/proc/{pid}/pagemap", FileMode.Open, FileAccess.Read);
            ReadPopulated(handle, from, to, pageSize, zero, runs);
        });

    /// <summary>
    /// The pagemap range as the language defines it, whichever kernel answers: the whole pages of
    /// the range below <paramref name="taskSize"/>, empty outside [regionStart, regionEnd), and
    /// <paramref name="populated"/> reading [from, to) inside it (adding exactly its pages).
    /// </summary>
    public static PagemapRuns Frame(ulong start, ulong length, ulong pageSize, ulong taskSize, ulong regionStart, ulong regionEnd,
        Action<ulong, ulong, PagemapRuns> populated)
    {
        var runs = new PagemapRuns();
        // The file is indexed by page, and PAGEMAP_SCAN refuses an unaligned start (EINVAL).
        start -= start % pageSize;
        ulong pages = length / pageSize;
        if (start >= taskSize || pages == 0)
            return runs;
        ulong end = pages > (taskSize - start) / pageSize ? taskSize : start + pages * pageSize;
        ulong from = Math.Clamp(regionStart, start, end), to = Math.Clamp(regionEnd, from, end);
        runs.Add(PagemapFlags.None, (from - start) / pageSize);
        if (to > from)
            populated(from, to, runs);
        runs.Add(PagemapFlags.None, (end - to) / pageSize);
        return runs;
    }

    /// <summary>The pages of [start, end) that hold an entry are read and decoded; the others are empty.</summary>
    private static unsafe void ReadPopulated(SafeFileHandle handle, ulong start, ulong end, ulong pageSize, ZeroPageFrames zero, PagemapRuns runs)
    {
        var regions = new PageRegion[Batch];
        var entries = new ulong[Batch];
        ulong cursor = start;
        while (cursor < end)
        {
            var arg = new PmScanArg
            {
                Size = (ulong)sizeof(PmScanArg),
                Start = cursor,
                End = end,
                VecLen = Batch,
                CategoryAnyofMask = PageIsPresent | PageIsSwapped,
                ReturnMask = PageIsPresent | PageIsSwapped,
            };
            int found;
            fixed (PageRegion* vec = regions)
            {
                arg.Vec = (ulong)vec;
                found = Ioctl((int)handle.DangerousGetHandle(), PagemapScan, &arg);
            }
            if (found < 0)
                throw new IOException($"PAGEMAP_SCAN of [0x{cursor:x}, 0x{end:x}) failed: {(Pluggable.Core.Errno)Marshal.GetLastPInvokeError()}");
            for (int i = 0; i < found; i++)
            {
                runs.Add(PagemapFlags.None, (regions[i].Start - cursor) / pageSize);
                for (ulong at = regions[i].Start; at < regions[i].End;)
                {
                    ulong count = Math.Min((ulong)Batch, (regions[i].End - at) / pageSize);
                    var chunk = entries.AsSpan(0, (int)count);
                    ReadInto(handle, at, chunk, pageSize);
                    foreach (ulong entry in chunk)
                        runs.Add(PagemapEntry.Decode(entry, zero.IsZero), 1, PagemapEntry.Pfn(entry));
                    at += count * pageSize;
                }
                cursor = regions[i].End;
            }
            ulong walked = Math.Min(arg.WalkEnd, end);
            if (walked <= cursor && found == 0)
                walked = end;
            runs.Add(PagemapFlags.None, (Math.Max(walked, cursor) - cursor) / pageSize);
            cursor = Math.Max(walked, cursor);
        }
    }

    private static void ReadInto(SafeFileHandle handle, ulong start, Span<ulong> entries, ulong pageSize)
    {
        var bytes = MemoryMarshal.AsBytes(entries);
        long offset = (long)(start / pageSize * 8);
        int done = 0;
        while (done < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes[done..], offset + done);
            if (n <= 0)
                break;
            done += n;
        }
        bytes[done..].Clear();
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, PmScanArg* arg);

    /// <summary>Kernel: struct pm_scan_arg (include/uapi/linux/fs.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PmScanArg
    {
        public ulong Size;
        public ulong Flags;
        public ulong Start;
        public ulong End;
        public ulong WalkEnd;
        public ulong Vec;
        public ulong VecLen;
        public ulong MaxPages;
        public ulong CategoryInverted;
        public ulong CategoryMask;
        public ulong CategoryAnyofMask;
        public ulong ReturnMask;
    }

    /// <summary>Kernel: struct page_region.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PageRegion
    {
        public ulong Start;
        public ulong End;
        public ulong Categories;
    }
}
