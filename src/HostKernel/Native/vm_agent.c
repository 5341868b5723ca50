/*
 * pluggable-vm-agent: /init of the VM backend's guest. It runs in a real kernel of another
 * architecture or version under QEMU and does there what the host backend does here: the
 * scenario processes are the same command loop (ph_serve, pluggable_host.c), and the agent
 * relays their struct ph_call messages between their sockets and the console, which QEMU
 * connects to the .NET process. It also answers the few questions the host backend asks its
 * own kernel through files: sysfs settings, /proc/PID/task/TID, pagemap.
 *
 * The console carries lines of text, so that the kernel's own messages (should one get past
 * loglevel=0) can only ever spoil a line, which the other side then ignores:
 *
 *   host -> guest                              guest -> host
 *   C <chan> <call>                            M <chan> <passed chan|-> <call>
 *   Q <id> spawn                               A <id> <pid> <chan>
 *   Q <id> kill <pgid>                         A <id> <processes left>
 *   Q <id> read <path> <offset> <max>          A <id> <bytes or -errno> <hex>
 *   Q <id> write <path> <text-hex>             A <id> <0 or -errno>
 *   Q <id> list <dir>                          A <id> <count> <name,name,...>
 *   Q <id> pagemap <pid> <start> <end>         A <id> <runs or -errno> <addr:count:entry:step ...>
 *   Q <id> close <chan>                        A <id> 0
 *                                              E <chan>              (a process's socket ended)
 *                                              H <page size> <task size> <release>   (ready)
 *
 * A call travels as the hex of its 8-byte words, a run of zero words written as "z<count>".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int ph_init(void);
void ph_serve(int channel);
struct ph_call;
int ph_recv(int channel, struct ph_call *c, int *fd);

#define CALL_BYTES 208
#define CALL_WORDS (CALL_BYTES / 8)
#define MAX_CHANNELS 256
#define LINE_MAX_BYTES (1 << 16)

static int console = -1;
/* Open sockets to scenario processes and their numbers, which are never reused: a late line for
 * a process that is gone must not reach another one. */
static int channels[MAX_CHANNELS];
static int numbers[MAX_CHANNELS];
static int next_number;

/* ---- output: whole lines, so that nothing interleaves inside one ---- */

static char out[1 << 20];
static size_t out_len;

static void out_flush(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(console, out + done, out_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    out_len = 0;
}

static void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_text(const char *fmt, ...)
{
    va_list ap;
    if (out_len > sizeof out - 4096)
        out_flush();
    va_start(ap, fmt);
    int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        out_len += (size_t)n < sizeof out - out_len ? (size_t)n : sizeof out - out_len - 1;
}

static void out_hex(const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        if (out_len + 2 >= sizeof out)
            out_flush();
        out[out_len++] = digits[bytes[i] >> 4];
        out[out_len++] = digits[bytes[i] & 15];
    }
}

static void out_call(const unsigned char *call)
{
    uint64_t words[CALL_WORDS];
    memcpy(words, call, CALL_BYTES);
    for (int i = 0; i < CALL_WORDS;) {
        if (words[i] == 0) {
            int run = 0;
            while (i < CALL_WORDS && words[i] == 0) {
                run++;
                i++;
            }
            out_text("z%d", run);
        } else {
            out_text(".%llx", (unsigned long long)words[i]);
            i++;
        }
    }
}

/* ---- input ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The call encoding of out_call(); 0 when it is not one. */
static int parse_call(const char *s, unsigned char *call)
{
    uint64_t words[CALL_WORDS];
    int i = 0;
    while (*s && i <= CALL_WORDS) {
        char *end;
        if (*s == 'z') {
            long run = strtol(s + 1, &end, 10);
            if (end == s + 1 || run <= 0 || i + run > CALL_WORDS)
                return 0;
            while (run-- > 0)
                words[i++] = 0;
        } else if (*s == '.') {
            if (i >= CALL_WORDS)
                return 0;
            words[i++] = strtoull(s + 1, &end, 16);
            if (end == s + 1)
                return 0;
        } else {
            return 0;
        }
        s = end;
    }
    if (i != CALL_WORDS)
        return 0;
    memcpy(call, words, CALL_BYTES);
    return 1;
}

static int add_channel(int fd)
{
    for (int i = 0; i < MAX_CHANNELS; i++) {
        if (channels[i] < 0) {
            channels[i] = fd;
            numbers[i] = next_number++;
            return numbers[i];
        }
    }
    close(fd);
    return -1;
}

static int slot_of(long number)
{
    for (int i = 0; i < MAX_CHANNELS; i++) {
        if (channels[i] >= 0 && numbers[i] == number)
            return i;
    }
    return -1;
}

/* ---- the questions ---- */

static void answer_spawn(long id)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        out_text("A %ld %d\n", id, -errno);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* The scenario's first process: a group of its own, default signals, only its socket. */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGCHLD, SIG_DFL);
        for (int i = 0; i < MAX_CHANNELS; i++) {
            if (channels[i] >= 0)
                close(channels[i]);
        }
        close(sv[0]);
        ph_init();
        ph_serve(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    if (pid < 0) {
        out_text("A %ld %d\n", id, -errno);
        close(sv[0]);
        return;
    }
    setpgid(pid, pid);
    out_text("A %ld %d %d\n", id, pid, add_channel(sv[0]));
}

static void reap(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

/* Kills a scenario's process group and reaps it (orphans come to init, which is us). */
static void answer_kill(long id, pid_t group)
{
    struct timespec start, now, tick = { 0, 1000000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        kill(-group, SIGKILL);
        reap();
        if (kill(-group, 0) != 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 10)
            break;
        nanosleep(&tick, NULL);
    }
    int left = 0;
    DIR *proc = opendir("/proc");
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid > 1 && getpgid(pid) == group)
            left++;
    }
    if (proc)
        closedir(proc);
    out_text("A %ld %d\n", id, left);
}

static void answer_read(long id, const char *path, long long offset, long max)
{
    static unsigned char buf[1 << 16];
    if (max < 0 || max > (long)sizeof buf)
        max = sizeof buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out_text("A %ld %d\n", id, -errno);
        return;
    }
    ssize_t total = 0;
    while (total < max) {
        ssize_t n = pread(fd, buf + total, (size_t)(max - total), offset + total);
        if (n < 0) {
            if (total == 0)
                total = -errno;
            break;
        }
        if (n == 0)
            break;
        total += n;
    }
    close(fd);
    if (total < 0) {
        out_text("A %ld %ld\n", id, (long)total);
        return;
    }
    out_text("A %ld %ld ", id, (long)total);
    out_hex(buf, (size_t)total);
    out_text("\n");
}

static void answer_write(long id, const char *path, const char *hex)
{
    char text[4096];
    size_t n = 0;
    while (hex[0] && hex[1] && n < sizeof text) {
        int hi = hex_value(hex[0]), lo = hex_value(hex[1]);
        if (hi < 0 || lo < 0)
            break;
        text[n++] = (char)(hi << 4 | lo);
        hex += 2;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        out_text("A %ld %d\n", id, -errno);
        return;
    }
    ssize_t w = write(fd, text, n);
    int err = w < 0 ? -errno : 0;
    close(fd);
    out_text("A %ld %d\n", id, err);
}

static void answer_list(long id, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        out_text("A %ld %d\n", id, -errno);
        return;
    }
    char names[8192];
    size_t len = 0;
    int count = 0;
    struct dirent *e;
    names[0] = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(e->d_name);
        if (len + n + 2 >= sizeof names)
            break;
        if (count++)
            names[len++] = ',';
        memcpy(names + len, e->d_name, n + 1);
        len += n;
    }
    closedir(d);
    out_text("A %ld %d %s\n", id, count, names);
}

/* include/uapi/linux/fs.h: PAGEMAP_SCAN (Linux 6.7 and later) */
struct pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct page_region {
    uint64_t start, end, categories;
};
#define PAGEMAP_SCAN_IOCTL _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)

struct entry_run {
    uint64_t address, count, entry, step;
    int open;
};

static long runs_written;

static void run_flush(struct entry_run *r)
{
    if (!r->open)
        return;
    out_text(" %llx:%llx:%llx:%llx", (unsigned long long)r->address, (unsigned long long)r->count,
             (unsigned long long)r->entry, (unsigned long long)r->step);
    runs_written++;
    r->open = 0;
}

/* Consecutive entries of the same kind whose frames follow each other (or repeat) make one run. */
static void run_add(struct entry_run *r, uint64_t address, uint64_t entry, uint64_t page)
{
    if (r->open && address == r->address + r->count * page) {
        uint64_t last = r->entry + (r->count - 1) * r->step;
        uint64_t step = entry - last;
        if (r->count == 1 && (step == 0 || step == 1)) {
            r->step = step;
            r->count++;
            return;
        }
        if (r->count > 1 && step == r->step) {
            r->count++;
            return;
        }
    }
    run_flush(r);
    *r = (struct entry_run){ address, 1, entry, 0, 1 };
}

static int read_entries(int fd, uint64_t start, uint64_t end, uint64_t page, struct entry_run *r)
{
    static uint64_t entries[4096];
    const uint64_t present = 1ULL << 63, swapped = 1ULL << 62;
    for (uint64_t at = start; at < end;) {
        uint64_t count = (end - at) / page;
        if (count > 4096)
            count = 4096;
        ssize_t n = pread(fd, entries, count * 8, (off_t)(at / page * 8));
        if (n <= 0)
            return n == 0 ? 0 : -errno;
        for (uint64_t i = 0; i < (uint64_t)n / 8; i++) {
            if (entries[i] & (present | swapped))
                run_add(r, at + i * page, entries[i], page);
        }
        at += (uint64_t)n / 8 * page;
    }
    return 0;
}

/*
 * The present and swapped entries of [start, end) in /proc/PID/pagemap, as runs. PAGEMAP_SCAN
 * finds them where the kernel has it; older kernels are read over the process's mappings only.
 */
static void answer_pagemap(long id, pid_t pid, uint64_t start, uint64_t end)
{
    char path[64];
    uint64_t page = (uint64_t)getpagesize();
    snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out_text("A %ld %d\n", id, -errno);
        return;
    }
    static char line[LINE_MAX_BYTES];
    struct entry_run r = { 0 };
    runs_written = 0;
    size_t mark = out_len;
    out_text("A %ld ", id);
    size_t count_at = out_len;
    out_text("%-20s", "");
    int err = 0;
    static struct page_region regions[1024];
    struct pm_scan_arg arg = { .size = sizeof arg, .start = start, .end = end, .vec = (uint64_t)(uintptr_t)regions,
                               .vec_len = 1024, .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
                               .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED };
    int found = ioctl(fd, PAGEMAP_SCAN_IOCTL, &arg);
    if (found >= 0) {
        for (;;) {
            for (int i = 0; i < found && err == 0; i++)
                err = read_entries(fd, regions[i].start, regions[i].end, page, &r);
            if (err || arg.walk_end >= end || (found == 0 && arg.walk_end <= arg.start))
                break;
            arg.start = arg.walk_end;
            found = ioctl(fd, PAGEMAP_SCAN_IOCTL, &arg);
            if (found < 0) {
                err = -errno;
                break;
            }
        }
    } else {
        snprintf(path, sizeof path, "/proc/%d/maps", pid);
        FILE *maps = fopen(path, "re");
        if (maps == NULL)
            err = -errno;
        while (maps && err == 0 && fgets(line, sizeof line, maps)) {
            unsigned long long lo, hi;
            if (sscanf(line, "%llx-%llx", &lo, &hi) != 2)
                continue;
            if (lo < start)
                lo = start;
            if (hi > end)
                hi = end;
            if (lo < hi)
                err = read_entries(fd, lo, hi, page, &r);
        }
        if (maps)
            fclose(maps);
    }
    close(fd);
    run_flush(&r);
    if (err) {
        out_len = mark;
        out_text("A %ld %d\n", id, err);
        return;
    }
    char count[21];
    int n = snprintf(count, sizeof count, "%ld", runs_written);
    memcpy(out + count_at, count, (size_t)n);
    out_text("\n");
}

static void answer(char *line)
{
    long id = strtol(line, &line, 10);
    char *verb = strtok(line, " ");
    char *a = strtok(NULL, " "), *b = strtok(NULL, " "), *c = strtok(NULL, " ");
    if (verb == NULL) {
        out_text("A %ld %d\n", id, -EINVAL);
    } else if (strcmp(verb, "spawn") == 0) {
        answer_spawn(id);
    } else if (strcmp(verb, "kill") == 0 && a) {
        answer_kill(id, (pid_t)atoi(a));
    } else if (strcmp(verb, "read") == 0 && c) {
        answer_read(id, a, strtoll(b, NULL, 10), strtol(c, NULL, 10));
    } else if (strcmp(verb, "write") == 0 && b) {
        answer_write(id, a, b);
    } else if (strcmp(verb, "list") == 0 && a) {
        answer_list(id, a);
    } else if (strcmp(verb, "pagemap") == 0 && c) {
        answer_pagemap(id, (pid_t)atoi(a), strtoull(b, NULL, 16), strtoull(c, NULL, 16));
    } else if (strcmp(verb, "close") == 0 && a) {
        int slot = slot_of(atol(a));
        if (slot >= 0) {
            close(channels[slot]);
            channels[slot] = -1;
        }
        out_text("A %ld 0\n", id);
    } else {
        out_text("A %ld %d\n", id, -EINVAL);
    }
}

static void host_line(char *line)
{
    if (line[0] == 'Q' && line[1] == ' ') {
        answer(line + 2);
    } else if (line[0] == 'C' && line[1] == ' ') {
        char *rest;
        long chan = strtol(line + 2, &rest, 10);
        unsigned char call[CALL_BYTES];
        int slot = slot_of(chan);
        if (slot < 0 || *rest != ' ' || !parse_call(rest + 1, call))
            return;
        send(channels[slot], call, sizeof call, MSG_NOSIGNAL);
    }
}

static void channel_message(int slot)
{
    int chan = numbers[slot];
    unsigned char call[CALL_BYTES];
    int passed = -1;
    /* poll() said the socket is readable, so this does not block. */
    if (ph_recv(channels[slot], (void *)call, &passed) != 1) {
        /* The process is gone. */
        out_text("E %d\n", chan);
        close(channels[slot]);
        channels[slot] = -1;
        return;
    }
    if (passed >= 0)
        out_text("M %d %d ", chan, add_channel(passed));
    else
        out_text("M %d - ", chan);
    out_call(call);
    out_text("\n");
}

/* The task size, as pagemap shows it: the file ends at the first page past it. */
static uint64_t task_size(void)
{
    uint64_t page = (uint64_t)getpagesize(), lo = 1, hi = (1ULL << 62) / page;
    uint64_t entry;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (pread(fd, &entry, sizeof entry, (off_t)(mid * 8)) == (ssize_t)sizeof entry)
            lo = mid + 1;
        else
            hi = mid;
    }
    close(fd);
    return lo * page;
}

static void mount_filesystems(void)
{
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

static int open_console(void)
{
    const char *name = getenv("pluggable_console");
    char path[64];
    snprintf(path, sizeof path, "/dev/%s", name ? name : "console");
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios t;
    if (fd >= 0 && tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

int main(void)
{
    mount_filesystems();
    console = open_console();
    if (console < 0)
        reboot(RB_POWER_OFF);
    for (int i = 0; i < MAX_CHANNELS; i++)
        channels[i] = -1;
    signal(SIGPIPE, SIG_IGN);
    struct utsname u;
    uname(&u);
    out_text("\nH %d %llx %s\n", getpagesize(), (unsigned long long)task_size(), u.release);
    out_flush();

    static char in[LINE_MAX_BYTES];
    size_t in_len = 0;
    struct pollfd fds[MAX_CHANNELS + 1];
    int index[MAX_CHANNELS + 1];
    for (;;) {
        int n = 0;
        fds[n].fd = console;
        fds[n].events = POLLIN;
        index[n++] = -1;
        for (int i = 0; i < MAX_CHANNELS; i++) {
            if (channels[i] >= 0) {
                fds[n].fd = channels[i];
                fds[n].events = POLLIN;
                index[n++] = i;
            }
        }
        if (poll(fds, (nfds_t)n, 100) < 0 && errno != EINTR)
            break;
        reap();
        for (int k = 1; k < n; k++) {
            if (fds[k].revents)
                channel_message(index[k]);
        }
        if (fds[0].revents & POLLIN) {
            ssize_t got = read(console, in + in_len, sizeof in - in_len - 1);
            if (got > 0) {
                in_len += (size_t)got;
                char *start = in, *nl;
                while ((nl = memchr(start, '\n', in_len - (size_t)(start - in))) != NULL) {
                    *nl = 0;
                    if (nl > start && nl[-1] == '\r')
                        nl[-1] = 0;
                    if (strcmp(start, "X") == 0) {
                        out_flush();
                        sync();
                        reboot(RB_POWER_OFF);
                    }
                    host_line(start);
                    start = nl + 1;
                }
                in_len -= (size_t)(start - in);
                memmove(in, start, in_len);
                if (in_len == sizeof in - 1)
                    in_len = 0;
            }
        }
        out_flush();
    }
    reboot(RB_POWER_OFF);
    return 0;
}
