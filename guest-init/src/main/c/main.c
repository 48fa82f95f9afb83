/*
 * kvmunit-init: PID 1 of a kvmunit guest, and the same program as an ordinary process for
 * testing its channel protocol on the host.
 *
 *   kvmunit-init                    as PID 1 (any arguments): mount, load modules, serve the agent port
 *   kvmunit-init --channel-stdio    host test mode: requests on stdin, replies on stdout
 *   kvmunit-init --channel-fd N     host test mode: requests and replies on fd N
 *
 * In host test mode nothing is mounted, no module is loaded and power off means exit.
 * Announcements go to stderr there, and --kernel-log FILE stands in for /dev/kmsg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "channel.h"
#include "kmsg.h"
#include "console.h"
#include "power.h"
#include "system.h"

static void usage(void)
{
    fprintf(stderr, "usage: kvmunit-init                  (as PID 1 of a kvmunit guest)\n"
                    "       kvmunit-init --channel-stdio [--kernel-log FILE]\n"
                    "       kvmunit-init --channel-fd N [--kernel-log FILE]\n"
                    "  host test mode: serve the agent protocol over stdin/stdout or fd N,\n"
                    "  forwarding kernel log records (in /dev/kmsg format) read from FILE\n");
    exit(2);
}

static int parse_fd(const char *text)
{
    char *end;
    errno = 0;
    long fd = strtol(text, &end, 10);
    if (errno || *end || end == text || fd < 0 || fd > 65535 || fcntl((int)fd, F_GETFD) < 0) {
        fprintf(stderr, "kvmunit-init: --channel-fd needs an open file descriptor number, got '%s'\n", text);
        exit(2);
    }
    return (int)fd;
}

/* Commands get pipes dup2'ed onto fds 0-2; if the kernel started us without them (no
 * /dev/console in the image) a pipe could land on one of those numbers and be lost, so fill
 * any gap with /dev/null first. */
static void ensure_standard_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            announce("cannot open /dev/null to fill fd %d: %s", fd, strerror(errno));
    }
}

static void run_as_pid1(void)
{
    power_set_pid1(true);
    announce("started");
    /* PATH for commands the host runs without a full path; the kernel gives PID 1 none. */
    setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
    umask(022);
    system_mount_filesystems();
    ensure_standard_fds();
    system_load_modules();
    int port = system_open_agent_port();
    struct channel ch;
    channel_init(&ch, port, port);
    agent_serve(&ch, kmsg_open("/dev/kmsg"));
}

static void run_on_host(int in_fd, int out_fd, const char *kernel_log)
{
    power_set_pid1(false);
    /* Orphans of the commands we run come back to us, as they would to PID 1 in a guest. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* Commands must not inherit the channel. */
    fcntl(in_fd, F_SETFD, FD_CLOEXEC);
    fcntl(out_fd, F_SETFD, FD_CLOEXEC);
    announce("started in host test mode");
    struct channel ch;
    channel_init(&ch, in_fd, out_fd);
    agent_serve(&ch, kernel_log ? kmsg_open(kernel_log) : -1);
}

int main(int argc, char **argv)
{
    /* The kernel passes command line words it does not know to init as arguments: as PID 1
     * they are ignored, since exiting would panic the kernel. */
    if (getpid() == 1)
        run_as_pid1();
    int in_fd = -1, out_fd = -1;
    const char *kernel_log = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--channel-stdio") == 0 && in_fd < 0) {
            in_fd = STDIN_FILENO;
            out_fd = STDOUT_FILENO;
        } else if (strcmp(argv[i], "--channel-fd") == 0 && in_fd < 0 && i + 1 < argc) {
            in_fd = out_fd = parse_fd(argv[++i]);
        } else if (strcmp(argv[i], "--kernel-log") == 0 && !kernel_log && i + 1 < argc) {
            kernel_log = argv[++i];
        } else {
            usage();
        }
    }
    if (in_fd < 0)
        usage();
    run_on_host(in_fd, out_fd, kernel_log);
}
