/*
 * kvmunit-init: PID 1 of a kvmunit guest, and the same program as an ordinary process for
 * testing its channel protocol on the host.
 *
 *   kvmunit-init                    as PID 1 (any arguments): mount, load modules, serve the agent port
 *   kvmunit-init --channel-stdio    host test mode: requests on stdin, replies on stdout
 *   kvmunit-init --channel-fd N     host test mode: requests and replies on fd N
 *
 * In host test mode nothing is mounted, no module is loaded and power off means exit.
 * Announcements go to stderr there.
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
#include "console.h"
#include "power.h"
#include "system.h"

static void usage(void)
{
    fprintf(stderr, "usage: kvmunit-init                  (as PID 1 of a kvmunit guest)\n"
                    "       kvmunit-init --channel-stdio  (host test mode over stdin/stdout)\n"
                    "       kvmunit-init --channel-fd N   (host test mode over file descriptor N)\n");
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

static void run_as_pid1(void)
{
    power_set_pid1(true);
    announce("started");
    /* PATH for commands the host runs without a full path; the kernel gives PID 1 none. */
    setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
    umask(022);
    system_mount_filesystems();
    system_load_modules();
    int port = system_open_agent_port();
    struct channel ch;
    channel_init(&ch, port, port);
    agent_serve(&ch);
}

static void run_on_host(int in_fd, int out_fd)
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
    agent_serve(&ch);
}

int main(int argc, char **argv)
{
    /* The kernel passes command line words it does not know to init as arguments: as PID 1
     * they are ignored, since exiting would panic the kernel. */
    if (getpid() == 1)
        run_as_pid1();
    else if (argc == 2 && strcmp(argv[1], "--channel-stdio") == 0)
        run_on_host(STDIN_FILENO, STDOUT_FILENO);
    else if (argc == 3 && strcmp(argv[1], "--channel-fd") == 0) {
        int fd = parse_fd(argv[2]);
        run_on_host(fd, fd);
    }
    usage();
}
