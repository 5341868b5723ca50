using Pluggable.Core;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;

namespace Pluggable.HostKernel.Tests;

public class PagemapEntryTests
{
    private const ulong ZeroPfn = 0x1234;

    private static PagemapFlags Decode(ulong entry) => PagemapEntry.Decode(entry, pfn => pfn == ZeroPfn);

    [Fact]
    public void An_empty_entry_has_no_flags() => Assert.Equal(PagemapFlags.None, Decode(0));

    [Fact]
    public void A_private_anonymous_page_is_present_and_exclusive() =>
        Assert.Equal(PagemapFlags.Present | PagemapFlags.Exclusive, Decode(PagemapEntry.Present | PagemapEntry.Exclusive | 0x9999));

    [Fact]
    public void The_zero_page_is_recognised_by_its_frame() =>
        Assert.Equal(PagemapFlags.Present | PagemapFlags.Zero, Decode(PagemapEntry.Present | ZeroPfn));

    [Fact]
    public void The_huge_zero_page_reads_present_zero_file() =>
        Assert.Equal(PagemapFlags.Present | PagemapFlags.Zero | PagemapFlags.File, Decode(PagemapEntry.Present | PagemapEntry.File | ZeroPfn));

    [Fact]
    public void A_frame_number_of_zero_is_never_the_zero_page() =>
        Assert.Equal(PagemapFlags.Present, PagemapEntry.Decode(PagemapEntry.Present, _ => true));

    [Fact]
    public void A_uffd_wp_marker_on_an_empty_entry_reads_wp() => Assert.Equal(PagemapFlags.Wp, Decode(PagemapEntry.UffdWp));

    [Fact]
    public void A_swap_entry_is_not_present_and_has_no_frame() =>
        Assert.Equal(PagemapFlags.Swap | PagemapFlags.Exclusive, Decode(PagemapEntry.Swap | PagemapEntry.Exclusive | ZeroPfn));

    [Fact]
    public void Frame_numbers_are_bits_0_to_54() => Assert.Equal((1UL << 55) - 1, PagemapEntry.Pfn(ulong.MaxValue));
}

public class HelperTests
{
    [Theory]
    [InlineData("handle_userfault", true)]
    [InlineData("userfaultfd_event_wait_completion", true)]
    [InlineData("0", false)]
    [InlineData("futex_do_wait", false)]
    [InlineData("folio_wait_bit_common", false)]
    public void Userfault_sleeps_are_told_from_other_sleeps(string wchan, bool parked) =>
        Assert.Equal(parked, ThreadState.IsUserfaultWait(wchan));

    [Theory]
    [InlineData("always [madvise] never\n", "madvise")]
    [InlineData("[always] madvise never", "always")]
    [InlineData("12\n", "12")]
    public void Sysfs_choice_files_read_as_the_selected_word(string text, string selected) => Assert.Equal(selected, SysfsKnobs.Selected(text));

    [Fact]
    public void A_fill_ioctl_reports_bytes_or_the_errno_with_its_progress()
    {
        Assert.Equal("8192", HostBackend.FillResult(0, 0, 8192).ToString());
        Assert.Equal("EEXIST", HostBackend.FillResult(-1, (int)Errno.EEXIST, -(long)Errno.EEXIST).ToString());
        Assert.Equal("EAGAIN after 4096", HostBackend.FillResult(-1, (int)Errno.EAGAIN, 4096).ToString());
    }

    [Theory]
    [InlineData(Advice.DontNeed, 4)]
    [InlineData(Advice.Remove, 9)]
    [InlineData(Advice.HugePage, 14)]
    [InlineData(Advice.NoHugePage, 15)]
    [InlineData(Advice.PageOut, 21)]
    [InlineData(Advice.PopulateRead, 22)]
    [InlineData(Advice.PopulateWrite, 23)]
    [InlineData(Advice.Collapse, 25)]
    public void Advices_have_the_kernel_numbers(Advice advice, ulong number) => Assert.Equal(number, HostBackend.AdviceNumber(advice));

    [Fact]
    public void Sysfs_knobs_report_missing_pools_and_short_growth_and_restore_what_they_changed()
    {
        var root = Directory.CreateTempSubdirectory("pluggable-sysfs-").FullName;
        try
        {
            var knobs = new SysfsKnobs(root);
            Directory.CreateDirectory(Path.GetDirectoryName(knobs.HugepagesPath(2UL << 20))!);
            File.WriteAllText(knobs.HugepagesPath(2UL << 20), "3\n");
            Directory.CreateDirectory(Path.GetDirectoryName(knobs.ThpPath)!);
            File.WriteAllText(knobs.ThpPath, "always [madvise] never\n");

            Assert.Equal(Errno.EINVAL, knobs.Hugepages(3UL << 20, 1));
            Assert.Equal(Errno.None, knobs.Hugepages(2UL << 20, 5));
            Assert.Equal(Errno.None, knobs.Thp(ThpPolicy.Never));
            Assert.Equal("never", File.ReadAllText(knobs.ThpPath));

            knobs.Restore();
            Assert.Equal("3", File.ReadAllText(knobs.HugepagesPath(2UL << 20)));
            Assert.Equal("madvise", File.ReadAllText(knobs.ThpPath));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

public class TranscriptDiffTests
{
    private static Script Parse(string text) => ScenarioParser.Parse("t.scenario", text).Script!;

    private const string Text = "mmap a anon 1p\ndump a 1p\ntouch a read\n";

    [Fact]
    public void Unsupported_lines_and_detail_lines_are_not_compared()
    {
        var left = "mmap a anon 1p -> ok\ndump a 1p -> ok\n  | pte a: 0x0\ntouch a read -> ok 0x00\nend -> ok\n";
        var right = "mmap a anon 1p -> ok\ndump a 1p -> unsupported\ntouch a read -> ok 0x00\nend -> ok\n";
        Assert.Empty(TranscriptDiff.Compare(Parse(Text), left, right));
    }

    [Fact]
    public void A_differing_line_is_reported_with_its_script_line()
    {
        var left = "mmap a anon 1p -> ok\ndump a 1p -> ok\ntouch a read -> ok 0x00\nend -> ok\n";
        var right = "mmap a anon 1p -> ok\ndump a 1p -> unsupported\ntouch a read -> blocked t1\nend -> blocked t1\n";
        var differences = TranscriptDiff.Compare(Parse(Text), left, right);
        Assert.Equal(
            [new TranscriptDifference(3, "touch a read -> ok 0x00", "touch a read -> blocked t1"), new TranscriptDifference(0, "end -> ok", "end -> blocked t1")],
            differences);
    }

    [Fact]
    public void A_continuation_line_on_one_side_only_is_a_difference()
    {
        var left = "mmap a anon 1p -> ok\ndump a 1p -> ok\ntouch a read -> ok 0x00\n  t1 -> ok\nend -> ok\n";
        var right = "mmap a anon 1p -> ok\ndump a 1p -> ok\ntouch a read -> ok 0x00\nend -> ok\n";
        Assert.Equal([new TranscriptDifference(3, "  t1 -> ok", null)], TranscriptDiff.Compare(Parse(Text), left, right));
    }
}
