using Pluggable.Core.Userfaultfd;

using Pluggable.Core.Mm;

namespace Pluggable.Scenarios.Tests;

public class RunnerTests
{
    private const ulong A = FakeBackend.FirstMapping;

    private static CommandResult PageFault(ulong address, ulong flags = 0) =>
        CommandResult.FromMessage(new UffdMessage(UffdEvent.PageFault, address, flags, 0, 0, 0, 0));

    private static CommandResult ForkEvent(int newUffd) =>
        CommandResult.FromMessage(new UffdMessage(UffdEvent.Fork, 0, 0, 0, 0, newUffd, 0));

    [Fact]
    public void The_example_of_the_contract()
    {
        const string example = """
            # a postcopy-style missing fault on anonymous memory
            uffd u                                                => ok
            mmap a anon 16p                                       => ok
            mmap src anon 1p                                      => ok
            fill src 1p 0x5a                                      => ok
            register u a 16p missing                              => ok ioctls=wake,copy,zeropage,move,poison
            touch a+3p read                                       => blocked t1
            read u                                                => pagefault a+3p
            copy u a+3p src 1p                                    => 4096
            copy u a+3p src 1p                                    => EEXIST
            zeropage u a+4p 1p                                    => 4096
            pagemap a 6p                                          => - x3, present+exclusive, present+zero, -
            """;
        var p = PagemapFlags.Present;
        var backend = new FakeBackend()
            .On("Register", CommandResult.Ok(UffdUapi.FormatIoctls(UffdUapi.RangeIoctls & ~((1UL << UffdUapi.IoctlWriteProtect) | (1UL << UffdUapi.IoctlContinue)))))
            .On("Touch", CommandResult.Blocked(41))
            .On("Read", PageFault(A + 0x3000))
            .On("Copy", CommandResult.FromBytes(4096), new ThreadCompletion(41, CommandResult.Ok("0x5a")))
            .On("Copy", CommandResult.Error(Errno.EEXIST))
            .On("Zeropage", CommandResult.FromBytes(4096))
            .On("Pagemap", CommandResult.FromPagemap([0, 0, 0, p | PagemapFlags.Exclusive, p | PagemapFlags.Zero, 0]));

        var run = Run.Text(example, backend);

        Assert.Equal(
            """
            uffd u -> ok
            mmap a anon 16p -> ok
            mmap src anon 1p -> ok
            fill src 1p 0x5a -> ok
            register u a 16p missing -> ok ioctls=wake,copy,zeropage,move,poison
            touch a+3p read -> blocked t1
            read u -> pagefault a+3p
            copy u a+3p src 1p -> 4096
              t1 -> ok 0x5a
            copy u a+3p src 1p -> EEXIST
            zeropage u a+4p 1p -> 4096
            pagemap a 6p -> - x3, present+exclusive, present+zero, -
            end -> ok

            """.Replace("\r\n", "\n"),
            run.Stdout);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.Exit);
        Assert.True(backend.Disposed);

        const ulong src = A + (4UL << 20);
        Assert.Equal(
            [
                "UffdCreate(0, nonblock=False, user=False, dev=False)",
                "UffdApi(0, 3, 0x0, 0xaa)",
                "Mmap(0, anon, 0x10000, shared=False, Read, Write, align=0x200000, populate=False, offset=0x0)",
                "Mmap(0, anon, 0x1000, shared=False, Read, Write, align=0x200000, populate=False, offset=0x0)",
                $"Fill(0, 0x{src:x}, 0x1000, 0x5a)",
                $"Register(0, 3, 0x{A:x}, 0x10000, 1)",
                $"Touch(0, 0x{A + 0x3000:x}, read, 0x0)",
                "Read(0, 3)",
                $"Copy(0, 3, 0x{A + 0x3000:x}, 0x{src:x}, 0x1000, 0)",
                $"Copy(0, 3, 0x{A + 0x3000:x}, 0x{src:x}, 0x1000, 0)",
                $"Zeropage(0, 3, 0x{A + 0x4000:x}, 0x1000, 0)",
                $"Pagemap(0, 0x{A:x}, 0x6000)",
            ],
            backend.Calls);
    }

    [Fact]
    public void An_expectation_mismatch_is_reported_and_the_run_goes_on()
    {
        var backend = new FakeBackend().On("Touch", CommandResult.Signal("SIGSEGV"));
        var run = Run.Text("uffd u   =>  EINVAL \nmmap a anon 1p\ntouch a read => ok 0x00\ntouch a write => ok\n", backend);
        Assert.Equal(1, run.Exit);
        Assert.Equal("t.scenario:1: expected 'EINVAL', got 'ok'\nt.scenario:3: expected 'ok 0x00', got 'SIGSEGV'\n", run.Stderr);
        Assert.Equal(["uffd u -> ok", "mmap a anon 1p -> ok", "touch a read -> SIGSEGV", "touch a write -> ok", "end -> failed"], run.Lines);
    }

    [Fact]
    public void Unsupported_lines_are_never_compared()
    {
        var backend = new FakeBackend().On("Gup", CommandResult.Unsupported()).On("Dump", CommandResult.Unsupported());
        var run = Run.Text("mmap a anon 1p\ngup a 1 pin => 1\ndump a 1p => ok\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Stderr);
        Assert.Equal("gup a 1 pin -> unsupported", run.Lines[1]);
    }

    [Fact]
    public void An_unknown_label_is_a_script_error_and_exit_2()
    {
        var backend = new FakeBackend();
        var run = Run.Text("mmap a anon 1p\ntouch x read\nmmap f file=m\ntouch a read\n", backend);
        Assert.Equal(2, run.Exit);
        Assert.Equal(
            ["mmap a anon 1p -> ok", "touch x read -> error: unknown label 'x'", "mmap f file=m -> error: unknown label 'm'", "touch a read -> ok", "end -> error"],
            run.Lines);
        Assert.Equal("t.scenario:2: error: unknown label 'x'\nt.scenario:3: error: unknown label 'm'\n", run.Stderr);
        Assert.DoesNotContain(backend.Calls, c => c.StartsWith("Mmap(0, m", StringComparison.Ordinal));
    }

    [Fact]
    public void A_script_error_wins_over_an_expectation_mismatch()
    {
        var run = Run.Text("uffd u => EPERM\ntouch x read\n");
        Assert.Equal(2, run.Exit);
    }

    [Fact]
    public void Unknown_userfaultfd_is_EBADF_and_unknown_process_is_ESRCH()
    {
        var backend = new FakeBackend();
        var run = Run.Text("mmap a anon 1p\nregister v a 1p missing\nread v\nin nobody touch a read\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal(["mmap a anon 1p -> ok", "register v a 1p missing -> EBADF", "read v -> EBADF", "in nobody touch a read -> ESRCH", "end -> ok"], run.Lines);
        Assert.Single(backend.Calls);
    }

    [Fact]
    public void A_label_error_comes_before_EBADF()
    {
        var run = Run.Text("copy v x y 1p\n");
        Assert.Equal("copy v x y 1p -> error: unknown label 'x'", run.Lines[0]);
    }

    [Fact]
    public void Another_architecture_skips_the_scenario()
    {
        var backend = new FakeBackend(FakeBackend.Arm64K64);
        var run = Run.Text("uffd u\narch   x86_64 # only there\nmmap a anon 1p\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal("arch x86_64 -> skipped\nend -> skipped\n", run.Stdout);
        Assert.Empty(backend.Calls);
        Assert.True(backend.Disposed);
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("x86-64")]
    [InlineData("amd64")]
    [InlineData("x86")]
    [InlineData("any")]
    public void The_architecture_answers_to_its_aliases(string name)
    {
        var run = Run.Text($"arch {name} => ok\nuffd u\n");
        Assert.Equal(0, run.Exit);
        Assert.Equal([$"arch {name} -> ok", "uffd u -> ok", "end -> ok"], run.Lines);
    }

    [Fact]
    public void Sizes_in_pages_and_huge_pages_follow_the_architecture()
    {
        var x86 = new FakeBackend();
        Run.Text("mmap a anon 2hp\ntouch a+1hp+2p read\nhugepages 1hp 2\n", x86);
        Assert.Equal("Mmap(0, anon, 0x400000, shared=False, Read, Write, align=0x200000, populate=False, offset=0x0)", x86.Calls[0]);
        Assert.Equal($"Touch(0, 0x{A + 0x202000:x}, read, 0x0)", x86.Calls[1]);
        Assert.Equal("Hugepages(0x200000, 2)", x86.Calls[2]);

        var arm = new FakeBackend(FakeBackend.Arm64K64);
        Run.Text("mmap a anon 2hp\ntouch a+1hp+2p read\n", arm);
        Assert.Equal("Mmap(0, anon, 0x40000000, shared=False, Read, Write, align=0x20000000, populate=False, offset=0x0)", arm.Calls[0]);
        Assert.Equal($"Touch(0, 0x{A + 0x20020000:x}, read, 0x0)", arm.Calls[1]);
    }

    [Fact]
    public void A_size_that_overflows_at_run_time_is_a_script_error()
    {
        var run = Run.Text("mmap a anon 0xffffffffffffffffp\n");
        Assert.Equal(2, run.Exit);
        Assert.Equal("mmap a anon 0xffffffffffffffffp -> error: size '0xffffffffffffffffp' is too large", run.Lines[0]);
    }

    [Fact]
    public void Mapping_requests()
    {
        var backend = new FakeBackend();
        Run.Text("memfd m shmem 4p\nmmap f file=m\nmmap g file=m 2p offset=1p private prot=r\nmmap h anon 1p shared populate align=1g prot=none\n", backend);
        Assert.Equal(
            [
                "Memfd(0, m, False, 0x4000)",
                "Mmap(0, m, 0x4000, shared=True, Read, Write, align=0x200000, populate=False, offset=0x0)",
                "Mmap(0, m, 0x2000, shared=False, Read, align=0x200000, populate=False, offset=0x1000)",
                "Mmap(0, anon, 0x1000, shared=True, None, align=0x40000000, populate=True, offset=0x0)",
            ],
            backend.Calls);
    }

    [Fact]
    public void Touch_writes_0x01_unless_a_value_is_given()
    {
        var backend = new FakeBackend();
        Run.Text("mmap a anon 1p\ntouch a write\ntouch a+0x10 write value=0x7f\n", backend);
        Assert.Equal($"Touch(0, 0x{A:x}, write, 0x1)", backend.Calls[1]);
        Assert.Equal($"Touch(0, 0x{A + 0x10:x}, write, 0x7f)", backend.Calls[2]);
    }

    [Fact]
    public void Uffd_binds_its_name_when_the_handshake_fails_but_not_when_creation_fails()
    {
        var backend = new FakeBackend()
            .On("UffdCreate", CommandResult.Error(Errno.EPERM))
            .On("UffdApi", CommandResult.Error(Errno.EINVAL));
        var run = Run.Text("uffd v user-only\napi v\nuffd u features=move,0x40000 via=dev nonblock\napi u features=sigbus version=0xab\nuffd w noapi\n", backend);
        Assert.Equal(
            ["uffd v user-only -> EPERM", "api v -> EBADF", "uffd u features=move,0x40000 via=dev nonblock -> EINVAL", "api u features=sigbus version=0xab -> ok", "uffd w noapi -> ok", "end -> ok"],
            run.Lines);
        Assert.Equal(
            [
                "UffdCreate(0, nonblock=False, user=True, dev=False)",
                "UffdCreate(0, nonblock=True, user=False, dev=True)",
                "UffdApi(0, 3, 0x50000, 0xaa)",
                "UffdApi(0, 3, 0x80, 0xab)",
                "UffdCreate(0, nonblock=False, user=False, dev=False)",
            ],
            backend.Calls);
    }

    [Fact]
    public void Check_mismatch_is_relative_to_the_command_label()
    {
        // a+1024p is where src starts; the mismatch still names a, the label the command used.
        var backend = new FakeBackend()
            .On("Check", CommandResult.Mismatch(A + 0x1010, 0x00, 0x5a))
            .On("Check", CommandResult.Mismatch(A + (4UL << 20), 0x01, 0x02));
        var run = Run.Text("mmap a anon 4p\nmmap src anon 1p\ncheck a+1p 1p 0x5a\ncheck a+1024p 1p pageidx\n", backend);
        Assert.Equal("check a+1p 1p 0x5a -> mismatch a+0x1010 got 0x00 want 0x5a", run.Lines[2]);
        Assert.Equal("check a+1024p 1p pageidx -> mismatch a+1024p got 0x01 want 0x02", run.Lines[3]);
    }

    [Fact]
    public void Parked_threads_are_named_in_blocking_order_and_finish_in_thread_order()
    {
        var backend = new FakeBackend()
            .On("Touch", CommandResult.Blocked(100))
            .On("Touch", CommandResult.Blocked(7))
            .On("Touch", CommandResult.Blocked(55))
            .On("Wake", CommandResult.Ok(), new ThreadCompletion(55, CommandResult.Ok("0x03")), new ThreadCompletion(100, CommandResult.Signal("SIGBUS")));
        var run = Run.Text("uffd u\nmmap a anon 4p\ntouch a read\ntouch a+1p write\ntouch a+2p read\nwake u a 4p => ok\n", backend);
        Assert.Equal(
            [
                "uffd u -> ok", "mmap a anon 4p -> ok",
                "touch a read -> blocked t1", "touch a+1p write -> blocked t2", "touch a+2p read -> blocked t3",
                "wake u a 4p -> ok", "  t1 -> SIGBUS", "  t3 -> ok 0x03",
                "end -> blocked t2",
            ],
            run.Lines);
        Assert.Equal(0, run.Exit);
    }

    [Fact]
    public void A_thread_that_blocks_again_prints_nothing_and_keeps_its_name()
    {
        var backend = new FakeBackend()
            .On("Touch", CommandResult.Blocked(1))
            .On("Touch", CommandResult.Blocked(2))
            .On("Copy", CommandResult.FromBytes(4096), new ThreadCompletion(1, CommandResult.Blocked(9)))
            .On("Copy", CommandResult.FromBytes(4096), new ThreadCompletion(9, CommandResult.Ok("0x01")));
        var run = Run.Text("uffd u\nmmap a anon 4p\ntouch a read\ntouch a+2p read\ncopy u a a+3p 1p\ncopy u a+1p a+3p 1p\n", backend);
        Assert.Equal(
            [
                "uffd u -> ok", "mmap a anon 4p -> ok", "touch a read -> blocked t1", "touch a+2p read -> blocked t2",
                "copy u a a+3p 1p -> 4096", "copy u a+1p a+3p 1p -> 4096", "  t1 -> ok 0x01", "end -> blocked t2",
            ],
            run.Lines);
    }

    [Fact]
    public void Detail_lines_come_right_after_the_command_and_before_continuations()
    {
        var backend = new FakeBackend()
            .On("Touch", CommandResult.Blocked(1))
            .On("Copy", b =>
            {
                var r = CommandResult.FromBytes(4096);
                r.Detail = [$"set_pte {b.AddressFormatter!.Format(A + 0x1000)}", "flush_tlb_page"];
                return r;
            }, new ThreadCompletion(1, CommandResult.Ok("0x00")));
        var run = Run.Text("uffd u\nmmap a anon 4p\ntrace on\ntouch a+1p read\ncopy u a+1p a+2p 1p\n", backend);
        Assert.Equal(
            [
                "uffd u -> ok", "mmap a anon 4p -> ok", "trace on -> ok", "touch a+1p read -> blocked t1",
                "copy u a+1p a+2p 1p -> 4096", "  | set_pte a+1p", "  | flush_tlb_page", "  t1 -> ok 0x00", "end -> ok",
            ],
            run.Lines);
    }

    [Fact]
    public void Fork_events_bind_name_at_child_and_the_child_waits_for_its_event()
    {
        var backend = new FakeBackend()
            .On("Fork", CommandResult.Blocked(20))
            .On("Read", ForkEvent(9), new ThreadCompletion(20, CommandResult.Ok()))
            .On("Fork", CommandResult.Blocked(21))
            .On("Read", ForkEvent(10), new ThreadCompletion(21, CommandResult.Ok()));
        var run = Run.Text(
            """
            uffd u features=event_fork
            mmap a anon 4p
            register u a 4p missing
            fork c
            in c touch a read
            read u
            in c touch a read
            in c fork d
            read u@c
            close u@c@d
            api u@c
            """,
            backend);
        Assert.Equal(
            [
                "uffd u features=event_fork -> ok", "mmap a anon 4p -> ok", "register u a 4p missing -> ok",
                "fork c -> blocked t1", "in c touch a read -> ESRCH",
                "read u -> fork u@c", "  t1 -> ok",
                "in c touch a read -> ok",
                "in c fork d -> blocked t2",
                "read u@c -> fork u@c@d", "  t2 -> ok",
                "close u@c@d -> ok", "api u@c -> ok", "end -> ok",
            ],
            run.Lines);
        Assert.Contains($"Touch(1, 0x{A:x}, read, 0x0)", backend.Calls);
        Assert.Contains("Fork(1)", backend.Calls);
        Assert.Contains("Read(0, 9)", backend.Calls);
        Assert.Contains("Close(0, 10)", backend.Calls);
        Assert.Contains("UffdApi(0, 9, 0x0, 0xaa)", backend.Calls);
    }

    [Fact]
    public void A_fork_that_fails_after_blocking_leaves_no_process()
    {
        var backend = new FakeBackend()
            .On("Fork", CommandResult.Blocked(3))
            .On("Close", CommandResult.Ok(), new ThreadCompletion(3, CommandResult.Error(Errno.ENOMEM)));
        var run = Run.Text("uffd u\nfork c\nclose u\nin c read u\n", backend);
        Assert.Equal(["uffd u -> ok", "fork c -> blocked t1", "close u -> ok", "  t1 -> ENOMEM", "in c read u -> ESRCH", "end -> ok"], run.Lines);
    }

    [Fact]
    public void In_runs_one_command_in_the_named_process_with_inherited_and_descendant_labels()
    {
        const ulong b = A + (4UL << 20);
        var backend = new FakeBackend()
            .On("Read", CommandResult.FromMessage(new UffdMessage(UffdEvent.Remap, A, 0, b, 0x4000, 0, 0)))
            .On("Read", PageFault(b + 0x1000))
            .On("Read", PageFault(A + 0x2000));
        var run = Run.Text(
            """
            uffd u
            mmap a anon 4p
            fork c
            in c mremap a b
            read u
            read u
            read u
            touch b read
            in c touch a+1p read
            mmap b anon 1p
            touch b read
            in c fill b 1p 0x01
            in c mmap own anon 1p
            touch own read
            """,
            backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal(
            [
                "uffd u -> ok", "mmap a anon 4p -> ok", "fork c -> ok", "in c mremap a b -> ok",
                "read u -> remap a -> b 16384", "read u -> pagefault b+1p", "read u -> pagefault a+2p",
                "touch b read -> ok", "in c touch a+1p read -> ok", "mmap b anon 1p -> ok", "touch b read -> ok",
                "in c fill b 1p 0x01 -> ok", "in c mmap own anon 1p -> ok", "touch own read -> ok", "end -> ok",
            ],
            run.Lines);
        const ulong parentB = A + (8UL << 20);
        const ulong own = A + (12UL << 20);
        Assert.Equal(
            [
                "UffdCreate(0, nonblock=False, user=False, dev=False)", "UffdApi(0, 3, 0x0, 0xaa)",
                "Mmap(0, anon, 0x4000, shared=False, Read, Write, align=0x200000, populate=False, offset=0x0)",
                "Fork(0)",
                $"Mremap(1, 0x{A:x}, 0x4000, 0x4000)",
                "Read(0, 3)", "Read(0, 3)", "Read(0, 3)",
                $"Touch(0, 0x{b:x}, read, 0x0)",
                $"Touch(1, 0x{A + 0x1000:x}, read, 0x0)",
                "Mmap(0, anon, 0x1000, shared=False, Read, Write, align=0x200000, populate=False, offset=0x0)",
                $"Touch(0, 0x{parentB:x}, read, 0x0)",
                $"Fill(1, 0x{b:x}, 0x1000, 0x1)",
                "Mmap(1, anon, 0x1000, shared=False, Read, Write, align=0x200000, populate=False, offset=0x0)",
                $"Touch(0, 0x{own:x}, read, 0x0)",
            ],
            backend.Calls);
    }

    [Fact]
    public void Mremap_resizes_and_the_old_label_still_formats()
    {
        const ulong b = A + (4UL << 20);
        var backend = new FakeBackend().On("Read", CommandResult.FromMessage(new UffdMessage(UffdEvent.Remap, A + 0x1000, 0, b + 0x1000, 4096, 0, 0)));
        var run = Run.Text("uffd u\nmmap a anon 2p\nmremap a b size=8p\nread u\n", backend);
        Assert.Equal($"Mremap(0, 0x{A:x}, 0x2000, 0x8000)", backend.Calls[3]);
        Assert.Equal("read u -> remap a+1p -> b+1p 4096", run.Lines[3]);
    }

    [Fact]
    public void Any_command_may_block_and_finish_later()
    {
        var backend = new FakeBackend()
            .On("Munmap", CommandResult.Blocked(5))
            .On("Read", CommandResult.FromMessage(new UffdMessage(UffdEvent.Unmap, A, 0, 0, 0x4000, 0, 0)), new ThreadCompletion(5, CommandResult.Ok()));
        var run = Run.Text("uffd u features=event_unmap\nmmap a anon 4p\nmunmap a 4p => blocked t1\nread u => unmap a 16384\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal(["uffd u features=event_unmap -> ok", "mmap a anon 4p -> ok", "munmap a 4p -> blocked t1", "read u -> unmap a 16384", "  t1 -> ok", "end -> ok"], run.Lines);
    }

    [Fact]
    public void A_missing_file_is_one_line_on_stderr_and_exit_2()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.RunFile("/nonexistent/dir/x.scenario", () => new FakeBackend(), stdout, stderr);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout.ToString());
        Assert.Equal("error: cannot read '/nonexistent/dir/x.scenario': no such file\n", stderr.ToString());

        stderr.GetStringBuilder().Clear();
        Assert.Equal(2, ScenarioRunner.RunFile(Path.GetTempPath(), () => new FakeBackend(), stdout, stderr));
        Assert.Equal($"error: cannot read '{Path.GetTempPath()}': is a directory\n", stderr.ToString());
    }

    [Fact]
    public void RunFile_names_the_file_in_diagnostics()
    {
        string path = Path.Combine(Path.GetTempPath(), $"scen-{Guid.NewGuid():N}.scenario");
        File.WriteAllText(path, "uffd u => EPERM\n");
        try
        {
            var stdout = new StringWriter { NewLine = "\n" };
            var stderr = new StringWriter { NewLine = "\n" };
            Assert.Equal(1, ScenarioRunner.RunFile(path, () => new FakeBackend(), stdout, stderr));
            Assert.Equal("uffd u -> ok\nend -> failed\n", stdout.ToString());
            Assert.Equal($"{path}:1: expected 'EPERM', got 'ok'\n", stderr.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_backend_that_cannot_start_is_exit_2()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.RunText("t.scenario", "uffd u\n", () => throw new InvalidOperationException("no plugin"), stdout, stderr);
        Assert.Equal(2, exit);
        Assert.Equal("t.scenario: error: cannot start the backend: no plugin\n", stderr.ToString());
    }

    [Fact]
    public void A_backend_failure_stops_the_run_with_the_line()
    {
        var backend = new FakeBackend().On("Touch", _ => throw new InvalidOperationException("VM_BUG_ON(mapcount < 0)"));
        var run = Run.Text("mmap a anon 1p\ntouch a read\nuffd u\n", backend);
        Assert.Equal(2, run.Exit);
        Assert.Equal(["mmap a anon 1p -> ok", "end -> error"], run.Lines);
        Assert.Equal("t.scenario:2: error: the fake backend failed: VM_BUG_ON(mapcount < 0) (InvalidOperationException)", run.Stderr.Trim());
        Assert.True(backend.Disposed);
    }

    [Fact]
    public void A_teardown_failure_is_reported_and_exit_2()
    {
        var backend = new FakeBackend { TeardownFailure = new InvalidOperationException("3 frames leaked") };
        var run = Run.Text("uffd u\n", backend);
        Assert.Equal(2, run.Exit);
        Assert.Equal(["uffd u -> ok", "end -> ok"], run.Lines);
        Assert.StartsWith("t.scenario: error: the fake backend failed at teardown: 3 frames leaked (InvalidOperationException)", run.Stderr);
    }

    [Fact]
    public void A_run_past_its_time_limit_ends_with_timeout()
    {
        using var release = new ManualResetEventSlim();
        var backend = new FakeBackend().On("Touch", _ =>
        {
            release.Wait(TimeSpan.FromSeconds(30));
            return CommandResult.Ok("0x00");
        });
        var run = Run.Text("mmap a anon 1p\ntouch a read\nuffd u\n", backend, new ScenarioRunOptions { TimeLimit = TimeSpan.FromMilliseconds(500) });
        release.Set();
        Assert.Equal(3, run.Exit);
        Assert.Equal(["mmap a anon 1p -> ok", "end -> timeout"], run.Lines);
    }

    [Fact]
    public void A_run_that_reaches_its_deadline_between_commands_stops_there()
    {
        var backend = new FakeBackend().On("Touch", _ =>
        {
            Thread.Sleep(400);
            return CommandResult.Ok("0x00");
        });
        var stdout = new StringWriter { NewLine = "\n" };
        var script = ScenarioParser.Parse("t.scenario", "mmap a anon 1p\ntouch a read\nuffd u\n").Script!;
        var transcript = new Transcript(stdout, TextWriter.Null);
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 5;
        Assert.Equal(3, new ScenarioInterpreter(script, backend, transcript, deadline).Run().ExitCode);
        Assert.Equal("mmap a anon 1p -> ok\ntouch a read -> ok 0x00\nend -> timeout\n", stdout.ToString());
        Assert.DoesNotContain(backend.Calls, c => c.StartsWith("UffdCreate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_within_its_time_limit_is_unaffected()
    {
        var run = Run.Text("uffd u\n", new FakeBackend(), new ScenarioRunOptions { TimeLimit = TimeSpan.FromSeconds(30) });
        Assert.Equal(0, run.Exit);
        Assert.Equal(["uffd u -> ok", "end -> ok"], run.Lines);
    }
}
