using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

public class UserfaultfdTests
{
    private const ulong Missing = UffdUapi.RegisterModeMissing;

    [Fact]
    public void Api_rejects_bad_version_unknown_bits_and_a_second_call_but_allows_a_retry()
    {
        using var emu = new Emu();
        emu.Backend.UffdCreate(0, new UffdCreateOptions(true, false, false), out int u);
        Assert.Equal("EINVAL", emu.Backend.UffdApi(0, u, 0, 0xAB).ToString());
        Assert.Equal("EINVAL", emu.Backend.UffdApi(0, u, 1UL << 63, UffdUapi.Api).ToString());
        Assert.Equal("ok", emu.Backend.UffdApi(0, u, 0, UffdUapi.Api).ToString());
        Assert.Equal("EINVAL", emu.Backend.UffdApi(0, u, 0, UffdUapi.Api).ToString());
    }

    [Fact]
    public void Ioctls_before_the_handshake_fail_with_einval()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        emu.Backend.UffdCreate(0, new UffdCreateOptions(true, false, false), out int u);
        Assert.Equal("EINVAL", emu.Backend.Register(0, u, a, 4 * Emu.P, Missing).ToString());
        Assert.Equal("EINVAL", emu.Backend.Wake(0, u, a, Emu.P).ToString());
        Assert.Equal("EINVAL", emu.Backend.Read(0, u).ToString());
        Assert.Equal("EINVAL", emu.Backend.Zeropage(0, u, a, Emu.P, 0).ToString());
    }

    [Fact]
    public void Register_reports_the_kernel_ioctl_masks_and_checks_modes()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        ulong s = emu.Map(4, shared: true);
        int u = emu.Uffd();
        Assert.Equal("ok ioctls=wake,copy,zeropage,move,poison", emu.Backend.Register(0, u, a, 4 * Emu.P, Missing).ToString());
        Assert.Equal("ok ioctls=wake,copy,zeropage,move,writeprotect,poison", emu.Backend.Register(0, u, a, 4 * Emu.P, Missing | UffdUapi.RegisterModeWp).ToString());
        Assert.Equal("EINVAL", emu.Backend.Register(0, u, a, 4 * Emu.P, UffdUapi.RegisterModeMinor).ToString());
        Assert.Equal("EINVAL", emu.Backend.Register(0, u, a, 4 * Emu.P, 0).ToString());
        Assert.Equal("ok ioctls=wake,copy,zeropage,move,continue,poison", emu.Backend.Register(0, u, s, 4 * Emu.P, UffdUapi.RegisterModeMinor).ToString());
        Assert.Equal("EINVAL", emu.Backend.Register(0, u, a + 0x10, Emu.P, Missing).ToString());
        Assert.Equal("EINVAL", emu.Backend.Register(0, u, a - 64 * Emu.P, Emu.P, Missing).ToString());
    }

    [Fact]
    public void A_range_owned_by_another_uffd_is_busy()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        int u = emu.Uffd();
        int v = emu.Uffd();
        emu.Backend.Register(0, u, a, 2 * Emu.P, Missing);
        Assert.Equal("EBUSY", emu.Backend.Register(0, v, a, 4 * Emu.P, Missing).ToString());
        Assert.Equal("EINVAL", emu.Backend.Unregister(0, v, a, 4 * Emu.P).ToString());
    }

    [Fact]
    public void Registration_splits_the_vma_and_unregistration_merges_it_back()
    {
        using var emu = new Emu();
        ulong a = emu.Map(16);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a + 8 * Emu.P, 2 * Emu.P, Missing);
        Assert.Equal(3, emu.System.Mms[0].Vmas.Count);
        emu.Backend.Unregister(0, u, a, 16 * Emu.P);
        Assert.Equal(1, emu.System.Mms[0].Vmas.Count);
    }

    [Fact]
    public void A_missing_fault_blocks_until_copy_resolves_it()
    {
        using var emu = new Emu();
        ulong a = emu.Map(16);
        ulong src = emu.Map(1);
        emu.Backend.Fill(0, src, Emu.P, BytePattern.Constant(0x5a));
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 16 * Emu.P, Missing);
        var touch = emu.Backend.Touch(0, a + 3 * Emu.P, false, 0);
        Assert.Equal(ResultKind.Blocked, touch.Kind);
        var msg = emu.Backend.Read(0, u);
        Assert.Equal(UffdEvent.PageFault, msg.Message!.Value.Event);
        Assert.Equal(a + 3 * Emu.P, msg.Message.Value.Address);
        Assert.Equal(0UL, msg.Message.Value.Flags);
        Assert.Equal("EAGAIN", emu.Backend.Read(0, u).ToString());
        Assert.Equal("4096", emu.Backend.Copy(0, u, a + 3 * Emu.P, src, Emu.P, 0).ToString());
        var done = emu.Completions();
        Assert.Single(done);
        Assert.Equal(touch.Thread, done[0].Thread);
        Assert.Equal("ok 0x5a", done[0].Result.ToString());
        Assert.Equal("EEXIST", emu.Backend.Copy(0, u, a + 3 * Emu.P, src, Emu.P, 0).ToString());
        Assert.Equal("4096", emu.Backend.Zeropage(0, u, a + 4 * Emu.P, Emu.P, 0).ToString());
        Assert.Equal("-,-,-,present+exclusive,present+zero,-", emu.Pagemap(a, 6));
    }

    [Fact]
    public void Dontwake_leaves_the_thread_asleep_until_wake()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 4 * Emu.P, Missing);
        emu.Touch(a, write: true, value: 0x33);
        Assert.Equal(UffdMessage.FlagWrite, emu.Backend.Read(0, u).Message!.Value.Flags);
        Assert.Equal("4096", emu.Backend.Zeropage(0, u, a, Emu.P, UffdUapi.ZeropageModeDontWake).ToString());
        Assert.Empty(emu.Completions());
        Assert.Equal("ok", emu.Backend.Wake(0, u, a, Emu.P).ToString());
        var done = emu.Completions();
        Assert.Equal("ok", done.Single().Result.ToString());
        Assert.Equal("ok 0x33", emu.Touch(a));
    }

    [Fact]
    public void Copy_errno_rules()
    {
        using var emu = new Emu();
        ulong a = emu.Map(4);
        ulong src = emu.Map(4);
        ulong plain = emu.Map(1);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 4 * Emu.P, Missing);
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, a + 1, src, Emu.P, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, a, src, 0, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, a, src, 100, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, 1UL << 47, src, Emu.P, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, 0xFFFFFFFFFFFFF000, src, Emu.P, 0).ToString());
        Assert.Equal("EINVAL", emu.Backend.Copy(0, u, a, src, Emu.P, 4).ToString());
        Assert.Equal("ENOENT", emu.Backend.Copy(0, u, plain, src, Emu.P, 0).ToString());
        Assert.Equal("ENOENT", emu.Backend.Copy(0, u, a + 3 * Emu.P, src, 2 * Emu.P, 0).ToString());
        Assert.Equal("EFAULT", emu.Backend.Copy(0, u, a, a - 64 * Emu.P, Emu.P, 0).ToString());
        Assert.Equal("4096", emu.Backend.Copy(0, u, a + Emu.P, src + 1, Emu.P, 0).ToString());
        Assert.Equal("EAGAIN after 4096", emu.Backend.Copy(0, u, a, src, 3 * Emu.P, 0).ToString());
    }

    [Fact]
    public void Closing_the_uffd_wakes_blocked_threads_which_then_fault_normally()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 2 * Emu.P, Missing);
        Assert.Equal(ResultKind.Blocked, emu.Backend.Touch(0, a, false, 0).Kind);
        Assert.Equal("ok", emu.Backend.Close(0, u).ToString());
        Assert.Equal("ok 0x00", emu.Completions().Single().Result.ToString());
        Assert.Equal("EBADF", emu.Backend.Read(0, u).ToString());
    }

    [Fact]
    public void Copy_whose_source_is_missing_waits_for_the_source_fault()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        ulong src = emu.Map(1);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, Emu.P, Missing);
        emu.Backend.Register(0, u, src, Emu.P, Missing);
        ulong data = emu.Map(1);
        emu.Backend.Fill(0, data, Emu.P, BytePattern.Constant(0x77));
        var copy = emu.Backend.Copy(0, u, a, src, Emu.P, 0);
        Assert.Equal(ResultKind.Blocked, copy.Kind);
        Assert.Equal(src, emu.Backend.Read(0, u).Message!.Value.Address);
        Assert.Equal("4096", emu.Backend.Copy(0, u, src, data, Emu.P, 0).ToString());
        Assert.Equal("4096", emu.Completions().Single().Result.ToString());
        Assert.Equal("ok", emu.Backend.Check(0, a, Emu.P, BytePattern.Constant(0x77)).ToString());
    }

    [Fact]
    public void Shmem_copy_fills_the_page_cache_and_zeropage_allocates_a_real_page()
    {
        using var emu = new Emu();
        ulong src = emu.Map(1);
        emu.Backend.Fill(0, src, Emu.P, BytePattern.Constant(0x42));
        ulong s = emu.Map(4, shared: true);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, s, 4 * Emu.P, Missing);
        Assert.Equal("4096", emu.Backend.Copy(0, u, s, src, Emu.P, 0).ToString());
        Assert.Equal("4096", emu.Backend.Zeropage(0, u, s + Emu.P, Emu.P, 0).ToString());
        Assert.Equal("present+file+exclusive,present+file+exclusive,-,-", emu.Pagemap(s, 4));
        Assert.Equal("ok 0x42", emu.Touch(s));
    }
}
