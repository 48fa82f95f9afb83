#define _GNU_SOURCE
#include "system.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/module.h>

#include "console.h"

/* Modules (virtio_mmio, virtio_console) may create the port late, and guests under nested
 * emulation are slow: generous, but bounded so a missing port ends the VM with a reason. */
#define PORT_WAIT_MS 30000
#define PORT_POLL_MS 50

struct mount_point {
    const char *source;
    const char *target;
    const char *type;
    unsigned long flags;
    const char *options;
    bool optional; /* absent from some kernels: ENODEV/ENOENT just means "not here" */
    /* A scratch tmpfs over a directory of the root filesystem (itself a tmpfs or ramfs), with
     * this mode. Where the image already put files under it (a probe built under /tmp on the
     * host sits at its host path), the mount would hide them: the directory is kept instead. */
    mode_t scratch_mode;
};

static const struct mount_point mounts[] = {
    { "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false, 0 },
    { "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false, 0 },
    { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", false, 0 },
    { "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false, 01777 },
    { "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", false, 0755 },
    { "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false, 0 },
    { "debugfs", "/sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true, 0 },
    { "tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true, 0 },
    { "bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700", true, 0 },
};

/* Whether the directory has any entry besides "." and "..". */
static bool has_entries(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir)
        return false;
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir(dir)))
        found = strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(dir);
    return found;
}

void system_mount_filesystems(void)
{
    announce("mounting filesystems");
    for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++) {
        const struct mount_point *m = &mounts[i];
        /* Top-level mount points may be missing from a minimal initramfs; the ones under
         * /sys exist exactly when the kernel supports the filesystem. */
        if (strncmp(m->target, "/sys/", 5) != 0)
            mkdir(m->target, 0755);
        if (m->scratch_mode && has_entries(m->target)) {
            /* The image's layers may have created the directory with their default mode. */
            chmod(m->target, m->scratch_mode);
            announce("%s holds files of the image: not mounting %s over it", m->target, m->type);
            continue;
        }
        if (mount(m->source, m->target, m->type, m->flags, m->options) == 0)
            continue;
        if (errno == EBUSY)
            continue; /* already mounted, e.g. devtmpfs with DEVTMPFS_MOUNT */
        if (m->optional && (errno == ENODEV || errno == ENOENT))
            announce("%s not available in this kernel", m->type);
        else
            announce("mounting %s on %s failed: %s", m->type, m->target, strerror(errno));
    }
    console_open("/dev/console");
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void load_module(char *line)
{
    char *path = line + strspn(line, " \t");
    if (*path == '\0' || *path == '#')
        return;
    char *params = path + strcspn(path, " \t");
    if (*params) {
        *params++ = '\0';
        params += strspn(params, " \t");
    }
    bool compressed = has_suffix(path, ".xz") || has_suffix(path, ".zst") || has_suffix(path, ".gz");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        announce("module %s: cannot open: %s", path, strerror(errno));
        return;
    }
    /* Compressed modules are decompressed by the kernel (MODULE_DECOMPRESS), which saves
     * carrying a decompressor in the init. */
    long rc = syscall(SYS_finit_module, fd, params, compressed ? MODULE_INIT_COMPRESSED_FILE : 0);
    int err = errno;
    close(fd);
    if (rc == 0)
        announce("module %s loaded", path);
    else if (err == EEXIST)
        announce("module %s already loaded", path);
    else if (compressed && (err == EINVAL || err == EOPNOTSUPP))
        announce("module %s: kernel cannot load compressed modules (%s); ship it uncompressed or enable MODULE_DECOMPRESS",
                 path, strerror(err));
    else
        announce("module %s: load failed: %s", path, strerror(err));
}

void system_load_modules(void)
{
    FILE *list = fopen(MODULE_LIST_PATH, "re");
    if (!list) {
        announce("no %s, no modules to load", MODULE_LIST_PATH);
        return;
    }
    announce("loading modules");
    char line[4096];
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\r\n")] = '\0';
        load_module(line);
    }
    fclose(list);
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The device named on the kernel command line, if any, into `path`. */
static bool port_from_cmdline(char *path, size_t size)
{
    char cmdline[4096];
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    close(fd);
    if (n <= 0)
        return false;
    cmdline[n] = '\0';
    for (char *word = strtok(cmdline, " \t\n"); word; word = strtok(NULL, " \t\n")) {
        if (strncmp(word, AGENT_PORT_PARAM, strlen(AGENT_PORT_PARAM)) == 0) {
            snprintf(path, size, "%s", word + strlen(AGENT_PORT_PARAM));
            return path[0] != '\0';
        }
    }
    return false;
}

/* The /dev node of the virtio-console port named AGENT_PORT_NAME, if it exists yet. */
static bool port_by_name(char *path, size_t size)
{
    DIR *dir = opendir("/sys/class/virtio-ports");
    if (!dir)
        return false;
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir(dir))) {
        if (strncmp(entry->d_name, "vport", 5) != 0)
            continue;
        char name_path[320], name[128] = "";
        snprintf(name_path, sizeof name_path, "/sys/class/virtio-ports/%s/name", entry->d_name);
        int fd = open(name_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, name, sizeof name - 1);
        close(fd);
        name[n > 0 ? n : 0] = '\0';
        name[strcspn(name, "\n")] = '\0';
        if (strcmp(name, AGENT_PORT_NAME) == 0) {
            snprintf(path, size, "/dev/%s", entry->d_name);
            found = true;
        }
    }
    closedir(dir);
    return found;
}

/* A virtio port reports POLLHUP until the host side opens it; writing before that blocks. */
static bool host_connected(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

int system_open_agent_port(void)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    char path[300];
    bool from_cmdline = port_from_cmdline(path, sizeof path);
    announce("looking for agent port %s", from_cmdline ? path : AGENT_PORT_NAME);
    int fd = -1;
    while (fd < 0) {
        if (from_cmdline || port_by_name(path, sizeof path))
            fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0)
            break;
        if (elapsed_ms(&start) > PORT_WAIT_MS)
            fatal("agent port %s did not appear within %d ms", from_cmdline ? path : AGENT_PORT_NAME, PORT_WAIT_MS);
        sleep_ms(PORT_POLL_MS);
    }
    /* A console device (hvc) would otherwise echo and translate our binary frames. */
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    while (!host_connected(fd)) {
        if (elapsed_ms(&start) > PORT_WAIT_MS)
            fatal("host did not open its end of agent port %s within %d ms", path, PORT_WAIT_MS);
        sleep_ms(PORT_POLL_MS);
    }
    announce("agent port %s open", path);
    return fd;
}
