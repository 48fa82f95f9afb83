#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "console.h"
#include "execs.h"
#include "files.h"
#include "kmsg.h"
#include "power.h"
#include "protocol.h"
#include "wire.h"

#define SCHED_EXT_STATE_PATH "/sys/kernel/sched_ext/state"

/* First line of a small text file, or "" when it cannot be read. */
static void read_first_line(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

static void send_hello(struct channel *ch)
{
    struct utsname uts;
    if (uname(&uts) != 0)
        strcpy(uts.release, "unknown");
    struct sysinfo si;
    uint64_t memory = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char sched_ext[64];
    read_first_line(SCHED_EXT_STATE_PATH, sched_ext, sizeof sched_ext);

    struct builder b = { 0 };
    build_string(&b, uts.release);
    build_u32(&b, cpus > 0 ? (uint32_t)cpus : 0);
    build_u64(&b, memory);
    build_string(&b, sched_ext);
    build_u32(&b, PROTO_MAX_PAYLOAD);
    channel_send(ch, T_HELLO, PROTO_CONNECTION_ID, b.data, b.len);
    free(b.data);
}

static void dispatch(struct channel *ch, const struct frame *f)
{
    if (f->request_id == PROTO_CONNECTION_ID) {
        channel_send_error(ch, f->request_id, E_MALFORMED, 0, "request id %u is reserved for the connection",
                           PROTO_CONNECTION_ID);
        return;
    }
    switch (f->type) {
    case T_EXEC:
        execs_start(ch, f->request_id, f->payload, f->length);
        break;
    case T_SIGNAL:
        execs_signal(ch, f->request_id, f->payload, f->length);
        break;
    case T_READ_FILE:
        files_read(ch, f->request_id, f->payload, f->length);
        break;
    case T_WRITE_FILE:
        files_write(ch, f->request_id, f->payload, f->length);
        break;
    case T_POWER_OFF:
        if (f->length != 0) {
            channel_send_error(ch, f->request_id, E_MALFORMED, 0, "POWER_OFF takes no payload");
            break;
        }
        channel_send(ch, T_OK, f->request_id, NULL, 0);
        execs_kill_all();
        power_off(0);
    default:
        channel_send_error(ch, f->request_id, E_UNKNOWN_TYPE, 0, "unknown request type 0x%02x", f->type);
    }
}

/* SIGCHLD arrives through a signalfd so the single-threaded loop reaps in order with
 * everything else, without async-signal-safety concerns. */
static int open_sigchld_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        fatal("cannot block SIGCHLD: %s", strerror(errno));
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        fatal("cannot create signalfd: %s", strerror(errno));
    return fd;
}

static void drain_signalfd(int fd)
{
    struct signalfd_siginfo info;
    while (read(fd, &info, sizeof info) == (ssize_t)sizeof info)
        ;
}

void agent_serve(struct channel *ch, int kmsg_fd)
{
    int sigfd = open_sigchld_fd();
    signal(SIGPIPE, SIG_IGN); /* a command closing its stdin early must not kill the agent */
    send_hello(ch);
    announce("serving requests");
    static struct pollfd fds[3 + EXECS_MAX_POLLFDS];
    for (;;) {
        fds[0] = (struct pollfd){ .fd = ch->in_fd, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        fds[2] = (struct pollfd){ .fd = kmsg_fd, .events = POLLIN }; /* poll skips fd -1 */
        size_t n = 3 + execs_add_pollfds(fds, 3);
        if (poll(fds, n, execs_next_timeout_ms()) < 0 && errno != EINTR)
            fatal("poll failed: %s", strerror(errno));
        /* Kernel log first, so records logged before a request's reply reach the host first. */
        if (fds[2].revents && !kmsg_forward(ch, kmsg_fd)) {
            close(kmsg_fd);
            kmsg_fd = -1;
        }
        execs_on_poll(ch, fds);
        if (fds[1].revents)
            drain_signalfd(sigfd);
        execs_reap(ch);
        execs_expire();
        if (fds[0].revents) {
            if (!channel_fill(ch)) {
                size_t pending = channel_pending(ch);
                if (pending)
                    announce("host closed the agent channel in the middle of a frame (%zu bytes dropped)", pending);
                else
                    announce("host closed the agent channel");
                execs_kill_all();
                power_off(0);
            }
            struct frame f;
            while (channel_next(ch, &f))
                dispatch(ch, &f);
        }
    }
}
