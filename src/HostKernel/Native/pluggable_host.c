/*
 * The native half of the host backend (src/HostKernel): the operations a scenario performs,
 * done with raw system calls, so that the same code serves the .NET process and the C-only
 * children it forks.
 *
 * Why C: a memory access may raise SIGSEGV or SIGBUS, which would kill the .NET runtime if
 * it happened in managed code; and a forked child of the runtime cannot run managed code, so
 * it runs the command loop below instead, serving the same operations over a socket.
 *
 * One operation is one struct ph_call: the managed side fills op and arguments, the executing
 * thread records its kernel thread id (so the caller can see it sleeping in a userfault) and
 * fills the results, then sets done.
 *
 * Every process of a scenario is such a child: the first one is the worker executable
 * (worker.c), spawned into a process group of its own so that one signal ends the whole
 * scenario, and the others are forks of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <linux/io_uring.h>
#include <linux/if_xdp.h>
#include <linux/futex.h>
#include <linux/mempolicy.h>

/* include/uapi/linux/memfd.h: the huge page size's log2 sits here in memfd_create's flags (HUGETLB_FLAG_ENCODE_SHIFT) */
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

/* The system headers of the build machine may predate these (Linux 6.6 and 6.8). */
#ifndef UFFDIO_MOVE
struct uffdio_move { uint64_t dst, src, len, mode; int64_t move; };
#define UFFDIO_MOVE _IOWR(UFFDIO, 0x05, struct uffdio_move)
#endif
#ifndef UFFDIO_POISON
struct uffdio_poison { struct uffdio_range range; uint64_t mode; int64_t updated; };
#define UFFDIO_POISON _IOWR(UFFDIO, 0x08, struct uffdio_poison)
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

enum ph_op {
    PH_MMAP = 1, PH_MUNMAP, PH_MPROTECT, PH_MADVISE, PH_MREMAP, PH_MEMFD,
    PH_UFFD, PH_API, PH_REGISTER, PH_UNREGISTER, PH_COPY, PH_ZEROPAGE, PH_CONTINUE,
    PH_POISON, PH_MOVE, PH_WRITEPROTECT, PH_WAKE, PH_READ, PH_CLOSE,
    PH_TOUCH, PH_FILL, PH_CHECK, PH_FORK, PH_EXIT, PH_SYNC, PH_GUP_SYSCALL,
    PH_LONGTERM_PIN, PH_LONGTERM_END,
};

/* PH_GUP_SYSCALL's a[5]: the system call; mirrored by GupSyscallKind (BackendTypes.cs). */
enum ph_gup_syscall { PH_PROCESS_VM_READV, PH_PROCESS_VM_WRITEV, PH_PROC_MEM_READ, PH_PROC_MEM_WRITE, PH_VMSPLICE,
                      PH_DIRECT_READ, PH_DIRECT_WRITE, PH_GET_MEMPOLICY, PH_FUTEX_WAKE_OP };

/* Where O_DIRECT files are made (unnamed, O_TMPFILE): a disk file system, which does direct I/O
 * through GUP (tmpfs copies instead). */
#define PH_DIRECT_DIR "/tmp"

/* PH_LONGTERM_PIN's a[5]: mirrored by LongTermPinKind (LongTermPin.cs). */
enum ph_longterm { PH_IO_URING_BUFFERS, PH_XDP_UMEM };

/* Mirrored by HostCall in NativeMethods.cs: keep the layouts identical. */
struct ph_call {
    int32_t op;
    int32_t id;
    int32_t tid;
    int32_t done;
    uint64_t a[8];
    char name[64];
    int64_t ret;
    int32_t err;
    int32_t sig;
    uint64_t v[6];
};

/* The socket to the .NET process; -1 in the .NET process itself. */
static int parent_channel = -1;
static pthread_mutex_t send_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- access recovery: SIGSEGV/SIGBUS during one of our accesses jump back, others chain ---- */

static __thread sigjmp_buf access_jump __attribute__((tls_model("initial-exec")));
static __thread volatile int in_access __attribute__((tls_model("initial-exec")));
static struct sigaction previous_segv, previous_bus;
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    if (in_access) {
        in_access = 0;
        siglongjmp(access_jump, sig);
    }
    /* Not ours: the .NET runtime turns its own SIGSEGVs into exceptions, so hand it over. */
    struct sigaction *prev = sig == SIGSEGV ? &previous_segv : &previous_bus;
    if (prev->sa_flags & SA_SIGINFO) {
        prev->sa_sigaction(sig, info, context);
    } else if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
        /* Returning re-runs the faulting instruction, which now takes the default action. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, NULL);
    } else {
        prev->sa_handler(sig);
    }
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
    sigaction(SIGBUS, &sa, &previous_bus);
}

int ph_init(void)
{
    pthread_once(&handlers_once, install_handlers);
    return (int)sizeof(struct ph_call);
}

static uint8_t pattern_at(const struct ph_call *c, uint64_t offset)
{
    /* a[2]: pageidx, a[3]: constant byte, a[4]: base page size */
    return c->a[2] ? (uint8_t)((offset / c->a[4] + 1) & 0xff) : (uint8_t)c->a[3];
}

static void access_touch(struct ph_call *c)
{
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)c->a[0];
    int sig;
    in_access = 1;
    if ((sig = sigsetjmp(access_jump, 1)) != 0) {
        c->sig = sig;
        return;
    }
    if (c->a[1])
        *p = (uint8_t)c->a[2];
    else
        c->ret = *p;
    in_access = 0;
}

/* fill and check go page by page, so a userfault parks the thread at the page that faulted. */
static void access_range(struct ph_call *c, int check)
{
    uint8_t *base = (uint8_t *)(uintptr_t)c->a[0];
    uint64_t size = c->a[1], page = c->a[4];
    volatile uint64_t offset = 0;
    int sig;
    in_access = 1;
    if ((sig = sigsetjmp(access_jump, 1)) != 0) {
        c->sig = sig;
        return;
    }
    while (offset < size) {
        uint64_t at = offset;
        uint64_t chunk = page - ((uintptr_t)(base + at) % page);
        if (chunk > size - at)
            chunk = size - at;
        uint8_t want = pattern_at(c, at);
        if (!check) {
            memset(base + at, want, chunk);
        } else {
            for (uint64_t i = 0; i < chunk; i++) {
                uint8_t got = ((volatile uint8_t *)base)[at + i];
                if (got != want) {
                    in_access = 0;
                    c->ret = 1;
                    c->v[0] = (uint64_t)(uintptr_t)(base + at + i);
                    c->v[1] = got;
                    c->v[2] = want;
                    return;
                }
            }
        }
        offset = at + chunk;
    }
    in_access = 0;
}

/* ---- userfaultfd ---- */

static int ioctl_result(struct ph_call *c, int r)
{
    c->ret = r;
    c->err = r < 0 ? errno : 0;
    return r;
}

static void uffd_create(struct ph_call *c)
{
    int flags = (int)c->a[0];
    int fd;
    if (c->a[1]) {
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        if (dev < 0) {
            c->ret = -1;
            c->err = errno;
            return;
        }
        fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
        c->err = fd < 0 ? errno : 0;
        close(dev);
    } else {
        fd = (int)syscall(SYS_userfaultfd, flags);
        c->err = fd < 0 ? errno : 0;
    }
    c->ret = fd;
}

static void uffd_read(struct ph_call *c)
{
    int fd = (int)c->a[0];
    struct uffd_msg msg;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        c->ret = -1;
        c->err = errno;
        return;
    }
    ssize_t n;
    if (flags & O_NONBLOCK) {
        n = read(fd, &msg, sizeof msg);
        c->err = n < 0 ? errno : 0;
    } else {
        /* A blocking read of an empty queue would never return: wait a bounded time instead.
         * poll() only reports messages on a non-blocking userfaultfd, hence the flag flip. */
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, (int)c->a[1]);
        n = read(fd, &msg, sizeof msg);
        c->err = n < 0 ? errno : 0;
        fcntl(fd, F_SETFL, flags);
    }
    c->ret = n;
    if (n == (ssize_t)sizeof msg) {
        uint64_t words[4];
        memcpy(words, &msg, sizeof words);
        c->v[0] = msg.event;
        c->v[1] = words[1];
        c->v[2] = words[2];
        c->v[3] = words[3];
    }
}

/* ---- a child serves operations over a socket until the socket ends ---- */

static void send_call(int channel, struct ph_call *c, int fd)
{
    struct iovec iov = { .iov_base = c, .iov_len = sizeof *c };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        m.msg_control = control.buf;
        m.msg_controllen = sizeof control.buf;
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &fd, sizeof fd);
    }
    pthread_mutex_lock(&send_lock);
    sendmsg(channel, &m, MSG_NOSIGNAL);
    pthread_mutex_unlock(&send_lock);
}

int ph_exec(struct ph_call *c);

static struct ph_call *call_alloc(void)
{
    void *p = mmap(NULL, sizeof(struct ph_call), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void call_free(struct ph_call *c)
{
    munmap(c, sizeof *c);
}

/*
 * The workers that run a child's operations. They never exit: a thread on its way out takes
 * glibc's stack-cache and allocator locks, and a fork by another worker at that moment would
 * leave those locks held forever in the new process, whose first pthread_create would then
 * hang. Idle workers wait on the queue, whose locks are our own and are reset after a fork.
 */
#define QUEUE_SLOTS 64
static struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct ph_call *slot[QUEUE_SLOTS];
    int head, count, idle;
} queue = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 0 };

static void run_call(struct ph_call *c)
{
    c->tid = (int32_t)gettid();
    c->done = 0;
    send_call(parent_channel, c, -1);
    ph_exec(c);
    /* A fork's channel travels to the .NET process, which talks to every process directly. */
    int passed = c->op == PH_FORK && c->err == 0 ? (int)c->v[0] : -1;
    send_call(parent_channel, c, passed);
    if (passed >= 0)
        close(passed);
    call_free(c);
}

static void *worker(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&queue.lock);
        while (queue.count == 0) {
            queue.idle++;
            pthread_cond_wait(&queue.ready, &queue.lock);
            queue.idle--;
        }
        struct ph_call *c = queue.slot[queue.head];
        queue.head = (queue.head + 1) % QUEUE_SLOTS;
        queue.count--;
        pthread_mutex_unlock(&queue.lock);
        run_call(c);
    }
    return NULL;
}

static void refuse(int channel, struct ph_call *c, int err)
{
    c->ret = -1;
    c->err = err;
    c->done = 1;
    send_call(channel, c, -1);
    call_free(c);
}

/* Queues a call for a worker, starting one when every worker is busy (parked in the kernel). */
static void dispatch(int channel, struct ph_call *c)
{
    pthread_mutex_lock(&queue.lock);
    if (queue.count == QUEUE_SLOTS) {
        pthread_mutex_unlock(&queue.lock);
        refuse(channel, c, EAGAIN);
        return;
    }
    queue.slot[(queue.head + queue.count) % QUEUE_SLOTS] = c;
    queue.count++;
    int start = queue.idle < queue.count;
    pthread_cond_signal(&queue.ready);
    pthread_mutex_unlock(&queue.lock);
    if (!start)
        return;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int failed = pthread_create(&t, &attr, worker, NULL);
    pthread_attr_destroy(&attr);
    if (failed == 0)
        return;
    /* Take the call back unless an idle worker already has it. */
    pthread_mutex_lock(&queue.lock);
    int last = (queue.head + queue.count - 1) % QUEUE_SLOTS;
    int ours = queue.count > 0 && queue.slot[last] == c;
    if (ours)
        queue.count--;
    pthread_mutex_unlock(&queue.lock);
    if (ours)
        refuse(channel, c, failed);
}

void ph_serve(int channel)
{
    parent_channel = channel;
    for (;;) {
        struct ph_call *c = call_alloc();
        if (c == NULL || recv(channel, c, sizeof *c, 0) != (ssize_t)sizeof *c || c->op == PH_EXIT)
            _exit(0);
        if (c->op == PH_SYNC) {
            /* Answered in order after every reply already sent: the caller's barrier. */
            c->done = 1;
            send_call(channel, c, -1);
            call_free(c);
            continue;
        }
        dispatch(channel, c);
    }
}

/* The new process has only the forking thread: the queue's waiters and holders stayed behind. */
static void reset_after_fork(void)
{
    pthread_mutex_t unlocked = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t empty = PTHREAD_COND_INITIALIZER;
    queue.lock = unlocked;
    queue.ready = empty;
    queue.head = queue.count = queue.idle = 0;
    send_lock = unlocked;
}

static void do_fork(struct ph_call *c)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        c->ret = -1;
        c->err = errno;
        return;
    }
    /* _Fork, not fork: fork() holds the allocator's locks around the system call, and with
     * UFFD_FEATURE_EVENT_FORK the call sleeps until the event is read, which would stop every
     * other worker that allocates. The child therefore allocates with mmap. */
    pid_t pid = _Fork();
    if (pid == 0) {
        reset_after_fork();
        close(sv[0]);
        close(parent_channel);
        ph_serve(sv[1]);
    }
    c->err = pid < 0 ? errno : 0;
    close(sv[1]);
    if (pid < 0)
        close(sv[0]);
    c->ret = pid;
    c->v[0] = pid < 0 ? (uint64_t)-1 : (uint64_t)sv[0];
}

/*
 * Starts the first process of a scenario: the worker executable, in a new process group (its
 * pid), with default signal dispositions and an empty mask whatever the .NET runtime set, the
 * socket to it and a copy of the machine lock as its only inherited descriptors (the lock then
 * stays held until the last process of the scenario is gone, even if the caller dies first).
 * Returns the pid and the caller's end of the socket, or -errno.
 */
int ph_spawn(const char *path, int lock_fd, int *channel)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    /* Above both sources, so that neither duplication overwrites the other's source. */
    int target = (sv[1] > lock_fd ? sv[1] : lock_fd) + 1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, sv[1], target);
    if (lock_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, lock_fd, target + 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    char arg[16];
    snprintf(arg, sizeof arg, "%d", target);
    char *argv[] = { "pluggable-host-worker", arg, NULL };
    char *envp[] = { NULL };
    pid_t pid;
    int r = posix_spawn(&pid, path, &actions, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(sv[1]);
    if (r != 0) {
        close(sv[0]);
        return -r;
    }
    *channel = sv[0];
    return pid;
}

/* ---- system calls that reach get_user_pages ---- */

/* What one call moves at most: the buffer is this process's own memory, so a huge range must not
 * grow it; a range is done in such pieces, stopping at the first short one, which is how the
 * kernel reports partial progress anyway. Also the pipe vmsplice fills (pipe-max-size's default). */
#define PH_GUP_CHUNK (1UL << 20)

static int64_t gup_syscall_piece(int kind, int mem, uint8_t *buf, uint64_t address, size_t n)
{
    struct iovec local = { buf, n }, remote = { (void *)(uintptr_t)address, n };
    switch (kind) {
    case PH_PROCESS_VM_READV:
        return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    case PH_PROCESS_VM_WRITEV:
        return process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
    case PH_PROC_MEM_READ:
        return pread(mem, buf, n, (off_t)address);
    default:
        return pwrite(mem, buf, n, (off_t)address);
    }
}

/* Whether PH_DIRECT_DIR does O_DIRECT through GUP: tmpfs accepts O_DIRECT (since 6.6) but copies
 * through the page cache, so it does not count. */
int ph_direct_io_available(void)
{
    int fd = open(PH_DIRECT_DIR, O_TMPFILE | O_RDWR | O_DIRECT | O_CLOEXEC, 0600);
    if (fd < 0)
        return 0;
    struct statfs fs;
    int disk = fstatfs(fd, &fs) == 0 && fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC;
    close(fd);
    return disk;
}

/* O_DIRECT into or out of the range, with a new unnamed file: for a read it first holds the
 * pattern (written through the page cache, which the direct read flushes). */
static void direct_io(struct ph_call *c, int read_into)
{
    int fd = open(PH_DIRECT_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC | (read_into ? 0 : O_DIRECT), 0600);
    if (fd < 0) {
        ioctl_result(c, -1);
        return;
    }
    if (read_into) {
        uint8_t *buf = mmap(NULL, PH_GUP_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        int failed = buf == MAP_FAILED;
        for (uint64_t done = 0; !failed && done < c->a[1];) {
            size_t n = c->a[1] - done < PH_GUP_CHUNK ? (size_t)(c->a[1] - done) : PH_GUP_CHUNK;
            for (size_t i = 0; i < n; i++)
                buf[i] = pattern_at(c, done + i);
            failed = pwrite(fd, buf, n, (off_t)done) != (ssize_t)n;
            done += n;
        }
        if (buf != MAP_FAILED)
            munmap(buf, PH_GUP_CHUNK);
        if (failed || fdatasync(fd) < 0 || fcntl(fd, F_SETFL, O_DIRECT) < 0) {
            ioctl_result(c, -1);
            close(fd);
            return;
        }
    }
    void *range = (void *)(uintptr_t)c->a[0];
    ssize_t r = read_into ? pread(fd, range, c->a[1], 0) : pwrite(fd, range, c->a[1], 0);
    c->err = r < 0 ? errno : 0;
    c->ret = r;
    close(fd);
}

/* The first futex of FUTEX_WAKE_OP: a word of this process's own, always there. */
static uint32_t wake_op_word;

/* get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR) answers the node in v[0]; FUTEX_WAKE_OP (shared: no
 * FUTEX_PRIVATE_FLAG, so both keys come from GUP) wakes nobody and adds 0 to the word at a[0]. */
static void one_page_call(struct ph_call *c, int kind)
{
    if (kind == PH_GET_MEMPOLICY) {
        int node = -1;
        ioctl_result(c, (int)syscall(SYS_get_mempolicy, &node, NULL, 0UL, (void *)(uintptr_t)c->a[0], (unsigned long)(MPOL_F_NODE | MPOL_F_ADDR)));
        c->v[0] = (uint64_t)(int64_t)node;
        return;
    }
    ioctl_result(c, (int)syscall(SYS_futex, &wake_op_word, FUTEX_WAKE_OP, 0, (void *)0, (uint32_t *)(uintptr_t)c->a[0],
                                 FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0)));
}

/* a[0] address, a[1] length, a[2..4] the pattern a write writes (as PH_FILL), a[5] the call. */
static void gup_syscall(struct ph_call *c)
{
    int kind = (int)c->a[5];
    if (kind == PH_GET_MEMPOLICY || kind == PH_FUTEX_WAKE_OP) {
        one_page_call(c, kind);
        return;
    }
    if (kind == PH_DIRECT_READ || kind == PH_DIRECT_WRITE) {
        direct_io(c, kind == PH_DIRECT_READ);
        return;
    }
    if (kind == PH_VMSPLICE) {
        /* An empty pipe of PH_GUP_CHUNK, closed again at once: the references go with it. */
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
            ioctl_result(c, -1);
            return;
        }
        if (fcntl(p[1], F_SETPIPE_SZ, (int)PH_GUP_CHUNK) < 0) {
            ioctl_result(c, -1);
        } else {
            struct iovec range = { (void *)(uintptr_t)c->a[0], c->a[1] };
            ssize_t r = vmsplice(p[1], &range, 1, SPLICE_F_NONBLOCK);
            c->err = r < 0 ? errno : 0;
            c->ret = r;
        }
        close(p[0]);
        close(p[1]);
        return;
    }
    int writes = kind == PH_PROCESS_VM_WRITEV || kind == PH_PROC_MEM_WRITE;
    int mem = -1;
    if (kind == PH_PROC_MEM_READ || kind == PH_PROC_MEM_WRITE) {
        mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
        if (mem < 0) {
            ioctl_result(c, -1);
            return;
        }
    }
    uint8_t *buf = mmap(NULL, PH_GUP_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        ioctl_result(c, -1);
        if (mem >= 0)
            close(mem);
        return;
    }
    uint64_t done = 0;
    int64_t r = 0;
    int err = 0;
    while (done < c->a[1]) {
        size_t n = c->a[1] - done < PH_GUP_CHUNK ? (size_t)(c->a[1] - done) : PH_GUP_CHUNK;
        for (size_t i = 0; writes && i < n; i++)
            buf[i] = pattern_at(c, done + i);
        r = gup_syscall_piece(kind, mem, buf, c->a[0] + done, n);
        err = r < 0 ? errno : 0;
        if (r <= 0)
            break;
        done += (uint64_t)r;
        if ((size_t)r < n)
            break;
    }
    munmap(buf, PH_GUP_CHUNK);
    if (mem >= 0)
        close(mem);
    c->ret = done > 0 || r >= 0 ? (int64_t)done : -1;
    c->err = done > 0 ? 0 : err;
}

/* ---- registrations that keep pages pinned ---- */

/* struct xdp_umem_reg as of Linux 5.x-6.7 (v2): newer kernels take this size too. */
struct ph_xdp_umem_reg { uint64_t addr, len; uint32_t chunk_size, headroom, flags; };

/* a[0] address, a[1] length, a[5] what: answers the descriptor that holds the pins. */
static void longterm_pin(struct ph_call *c)
{
    if (c->a[5] == PH_XDP_UMEM) {
        int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            ioctl_result(c, -1);
            return;
        }
        struct ph_xdp_umem_reg reg = { .addr = c->a[0], .len = c->a[1], .chunk_size = 2048 };
        if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) < 0) {
            ioctl_result(c, -1);
            close(fd);
            return;
        }
        c->ret = fd;
        return;
    }
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    int fd = (int)syscall(SYS_io_uring_setup, 1, &params);
    if (fd < 0) {
        ioctl_result(c, -1);
        return;
    }
    struct iovec buffer = { (void *)(uintptr_t)c->a[0], c->a[1] };
    if (syscall(SYS_io_uring_register, fd, IORING_REGISTER_BUFFERS, &buffer, 1) < 0) {
        ioctl_result(c, -1);
        close(fd);
        return;
    }
    c->ret = fd;
}

/* a[0] the descriptor longterm_pin answered, a[5] what: the pins go (io_uring at once; AF_XDP when
 * the socket is released). */
static void longterm_end(struct ph_call *c)
{
    int fd = (int)c->a[0];
    if (c->a[5] == PH_IO_URING_BUFFERS && syscall(SYS_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0) < 0) {
        ioctl_result(c, -1);
        return;
    }
    ioctl_result(c, close(fd));
}

/* ---- the operations ---- */

int ph_exec(struct ph_call *c)
{
    c->tid = (int32_t)gettid();
    c->err = 0;
    c->sig = 0;
    c->ret = 0;
    memset(c->v, 0, sizeof c->v);
    int fd = (int)c->a[0];
    switch (c->op) {
    case PH_MMAP: {
        void *p = mmap((void *)(uintptr_t)c->a[0], c->a[1], (int)c->a[2], (int)c->a[3] | MAP_FIXED_NOREPLACE,
                       (int)(int64_t)c->a[4], (off_t)c->a[5]);
        c->err = p == MAP_FAILED ? errno : 0;
        c->ret = p == MAP_FAILED ? -1 : (int64_t)(uintptr_t)p;
        if (p != MAP_FAILED && (uint64_t)(uintptr_t)p != c->a[0]) {
            /* A kernel without MAP_FIXED_NOREPLACE treats it as a hint: refuse a wrong place. */
            munmap(p, c->a[1]);
            c->err = EEXIST;
            c->ret = -1;
        }
        break;
    }
    case PH_MUNMAP:
        ioctl_result(c, munmap((void *)(uintptr_t)c->a[0], c->a[1]));
        break;
    case PH_MPROTECT:
        ioctl_result(c, mprotect((void *)(uintptr_t)c->a[0], c->a[1], (int)c->a[2]));
        break;
    case PH_MADVISE:
        ioctl_result(c, madvise((void *)(uintptr_t)c->a[0], c->a[1], (int)c->a[2]));
        break;
    case PH_MREMAP: {
        void *p = mremap((void *)(uintptr_t)c->a[0], c->a[1], c->a[2], MREMAP_MAYMOVE | MREMAP_FIXED,
                         (void *)(uintptr_t)c->a[3]);
        c->err = p == MAP_FAILED ? errno : 0;
        c->ret = p == MAP_FAILED ? -1 : (int64_t)(uintptr_t)p;
        break;
    }
    case PH_MEMFD: {
        /* a[2]: log2 of the huge page size, 0 for the default one (MFD_HUGE_* encoding) */
        int m = memfd_create(c->name, MFD_CLOEXEC | (c->a[0] ? MFD_HUGETLB | (unsigned int)(c->a[2] << MFD_HUGE_SHIFT) : 0));
        if (m < 0) {
            ioctl_result(c, -1);
            break;
        }
        if (ftruncate(m, (off_t)c->a[1]) < 0) {
            c->err = errno;
            close(m);
            c->ret = -1;
            break;
        }
        c->ret = m;
        break;
    }
    case PH_UFFD:
        uffd_create(c);
        break;
    case PH_API: {
        struct uffdio_api api = { .api = c->a[1], .features = c->a[2] };
        if (ioctl_result(c, ioctl(fd, UFFDIO_API, &api)) == 0)
            c->v[0] = api.features;
        break;
    }
    case PH_REGISTER: {
        struct uffdio_register r = { .range = { c->a[1], c->a[2] }, .mode = c->a[3] };
        if (ioctl_result(c, ioctl(fd, UFFDIO_REGISTER, &r)) == 0)
            c->v[0] = r.ioctls;
        break;
    }
    case PH_UNREGISTER: {
        struct uffdio_range r = { c->a[1], c->a[2] };
        ioctl_result(c, ioctl(fd, UFFDIO_UNREGISTER, &r));
        break;
    }
    case PH_WAKE: {
        struct uffdio_range r = { c->a[1], c->a[2] };
        ioctl_result(c, ioctl(fd, UFFDIO_WAKE, &r));
        break;
    }
    case PH_COPY: {
        struct uffdio_copy x = { .dst = c->a[1], .src = c->a[2], .len = c->a[3], .mode = c->a[4] };
        ioctl_result(c, ioctl(fd, UFFDIO_COPY, &x));
        c->v[0] = (uint64_t)x.copy;
        break;
    }
    case PH_ZEROPAGE: {
        struct uffdio_zeropage x = { .range = { c->a[1], c->a[2] }, .mode = c->a[3] };
        ioctl_result(c, ioctl(fd, UFFDIO_ZEROPAGE, &x));
        c->v[0] = (uint64_t)x.zeropage;
        break;
    }
    case PH_CONTINUE: {
        struct uffdio_continue x = { .range = { c->a[1], c->a[2] }, .mode = c->a[3] };
        ioctl_result(c, ioctl(fd, UFFDIO_CONTINUE, &x));
        c->v[0] = (uint64_t)x.mapped;
        break;
    }
    case PH_POISON: {
        struct uffdio_poison x = { .range = { c->a[1], c->a[2] }, .mode = c->a[3] };
        ioctl_result(c, ioctl(fd, UFFDIO_POISON, &x));
        c->v[0] = (uint64_t)x.updated;
        break;
    }
    case PH_MOVE: {
        struct uffdio_move x = { .dst = c->a[1], .src = c->a[2], .len = c->a[3], .mode = c->a[4] };
        ioctl_result(c, ioctl(fd, UFFDIO_MOVE, &x));
        c->v[0] = (uint64_t)x.move;
        break;
    }
    case PH_WRITEPROTECT: {
        struct uffdio_writeprotect x = { .range = { c->a[1], c->a[2] }, .mode = c->a[3] };
        ioctl_result(c, ioctl(fd, UFFDIO_WRITEPROTECT, &x));
        break;
    }
    case PH_READ:
        uffd_read(c);
        break;
    case PH_CLOSE:
        ioctl_result(c, close(fd));
        break;
    case PH_TOUCH:
        access_touch(c);
        break;
    case PH_FILL:
        access_range(c, 0);
        break;
    case PH_CHECK:
        access_range(c, 1);
        break;
    case PH_FORK:
        do_fork(c);
        break;
    case PH_GUP_SYSCALL:
        gup_syscall(c);
        break;
    case PH_LONGTERM_PIN:
        longterm_pin(c);
        break;
    case PH_LONGTERM_END:
        longterm_end(c);
        break;
    default:
        c->ret = -1;
        c->err = ENOSYS;
        break;
    }
    __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
    return c->err;
}

/* ---- the .NET side of a channel ---- */

int ph_send(int channel, const struct ph_call *c)
{
    return send(channel, c, sizeof *c, MSG_NOSIGNAL) == (ssize_t)sizeof *c ? 0 : errno;
}

/* Receives one message from a child: 1 and the call (with a passed fd in *fd, else -1), 0 at the end. */
int ph_recv(int channel, struct ph_call *c, int *fd)
{
    struct iovec iov = { .iov_base = c, .iov_len = sizeof *c };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    *fd = -1;
    ssize_t n;
    do
        n = recvmsg(channel, &m, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof *c)
        return 0;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
            memcpy(fd, CMSG_DATA(h), sizeof *fd);
    }
    return 1;
}
