using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Tests;

public class GupTests
{
    private static GupRequest Gup(ulong a, ulong n, bool pin = false, bool write = false, bool fast = false, bool longTerm = false, bool force = false) =>
        new(a, n, write, force, pin, longTerm, fast, false, Dump: true);

    [Fact]
    public void A_pin_adds_the_bias_to_a_small_page_and_unpin_takes_it_back()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        emu.Touch(a, write: true);
        var pin = emu.Backend.Gup(0, Gup(a, 1, pin: true));
        Assert.Equal("1", pin.ToString());
        Assert.Contains("refcount=1025", pin.Detail![0]);
        Assert.Equal("ok", emu.Backend.Unpin(0, a, 1).ToString());
        // The mapping's reference plus the plain reference this gup holds while it reports.
        Assert.Contains("refcount=2 ", emu.Backend.Gup(0, Gup(a, 1)).Detail![0]);
        Assert.Equal("EINVAL", emu.Backend.Unpin(0, a, 1).ToString());
    }

    [Fact]
    public void Fork_copies_a_pinned_anonymous_page_for_the_child_at_once()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true, value: 0x42);
        emu.Backend.Gup(0, Gup(a, 1, pin: true));
        emu.Backend.Fork(0, out int child);
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1, child));
        Assert.Equal("ok 0x42", emu.Touch(a, process: child));
        Assert.Equal("ok", emu.Touch(a, write: true, value: 7));
        Assert.Equal("ok 0x42", emu.Touch(a, process: child));
    }

    [Fact]
    public void A_read_only_pin_of_a_shared_page_unshares_it_first()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1);
        emu.Touch(a, write: true, value: 0x42);
        emu.Backend.Fork(0, out int child);
        Assert.Equal("present", emu.Pagemap(a, 1));
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, pin: true)).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1, child));
        Assert.Equal("SIGSEGV", emu.Touch(a + Emu.P));
    }

    [Fact]
    public void Gup_with_the_lock_held_cannot_wait_on_a_userfault_but_the_fast_fallback_can()
    {
        using var emu = new Emu();
        ulong a = emu.Map(2);
        int u = emu.Uffd();
        emu.Backend.Register(0, u, a, 2 * Emu.P, UffdUapi.RegisterModeMissing);
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a, 1)).ToString());
        Assert.Equal("EAGAIN", emu.Backend.Read(0, u).ToString());
        var blocked = emu.Backend.Gup(0, Gup(a, 1, fast: true));
        Assert.Equal(ResultKind.Blocked, blocked.Kind);
        Assert.Equal(a, emu.Backend.Read(0, u).Message!.Value.Address);
        emu.Backend.Zeropage(0, u, a, Emu.P, 0);
        Assert.Equal("1", emu.Completions().Single().Result.ToString());
    }

    [Fact]
    public void Argument_and_vma_checks()
    {
        using var emu = new Emu();
        ulong a = emu.Map(1, prot: Mm.Protection.Read);
        Assert.Equal("EINVAL", emu.Backend.Gup(0, Gup(a, 1, longTerm: true)).ToString());
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a, 1, write: true)).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, 1, write: true, force: true)).ToString());
        Assert.Equal("present+exclusive", emu.Pagemap(a, 1));
        Assert.Equal("EFAULT", emu.Backend.Gup(0, Gup(a + 64 * Emu.P, 1)).ToString());
        Assert.Equal("1", emu.Backend.Gup(0, Gup(a, ulong.MaxValue)).ToString());
    }
}
