/*
 * /init of the rig's L2 test initramfs. It proves a kernel booted all the way to user space
 * with the requested CPUs: it prints one marker line to the console and resets the machine.
 *
 *   KVMUNIT-RIG-MARKER release=<uname -r> cpus=<sysconf online> online=<sysfs online list>
 *                      uptime=<seconds since boot on the guest's clock, when /init ran>
 *
 * Statically linked: the initramfs holds nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

static void mount_fs(const char *source, const char *target, const char *type)
{
    mkdir(target, 0755);
    if (mount(source, target, type, 0, NULL) != 0)
        perror(target);
}

/* Writes "rig-marker-init: <what>: <errno text>" to the kernel log at a level quiet still shows. */
static void kmsg_error(const char *what)
{
    char line[256];
    int len = snprintf(line, sizeof line, "<2>rig-marker-init: %s: %s\n", what, strerror(errno));
    int fd = open("/dev/kmsg", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, line, (size_t)len) < 0) {
            /* Nowhere left to report to. */
        }
        close(fd);
    }
}

/* The first word of a small file ("0-3" from the online CPU list), or "?" when unreadable. */
static void read_first_word(const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "?");
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) {
        snprintf(buf, size, "?");
        return;
    }
    buf[n] = '\0';
    buf[strcspn(buf, " \n")] = '\0';
}

int main(void)
{
    mount_fs("proc", "/proc", "proc");
    mount_fs("sysfs", "/sys", "sysfs");
    mount_fs("devtmpfs", "/dev", "devtmpfs");

    /* The kernel found no /dev/console in the initramfs, so stdout is not open yet. */
    int console = open("/dev/console", O_WRONLY | O_NOCTTY);
    if (console < 0) {
        /* Say why through the kernel log, which reaches the console by another path. */
        kmsg_error("cannot open /dev/console");
    } else {
        dup2(console, STDOUT_FILENO);
        dup2(console, STDERR_FILENO);
        /* A UART whose startup failed in the kernel still opens, but every tty call fails. */
        if (!isatty(STDOUT_FILENO))
            kmsg_error("/dev/console opened but is not a working tty");
    }

    struct utsname uts;
    if (uname(&uts) != 0)
        snprintf(uts.release, sizeof uts.release, "?");
    char uptime[64];
    read_first_word("/proc/uptime", uptime, sizeof uptime);
    char online[256];
    read_first_word("/sys/devices/system/cpu/online", online, sizeof online);

    printf("KVMUNIT-RIG-MARKER release=%s cpus=%ld online=%s uptime=%s\n", uts.release,
           sysconf(_SC_NPROCESSORS_ONLN), online, uptime);
    fflush(stdout);
    /* The line sits in the tty buffer until the UART sends it; resetting earlier loses it. */
    tcdrain(STDOUT_FILENO);
    sync();
    reboot(RB_AUTOBOOT);
    return 1;
}
