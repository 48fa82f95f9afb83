#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "power.h"

/* The kernel hands PID 1 the console as fds 0-2 when the image has /dev/console; in host
 * test mode fd 2 is the test's stderr. */
static int console_fd = STDERR_FILENO;

void console_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0)
        console_fd = fd;
    else
        announce("cannot open %s (errno %d), keeping the inherited console", path, errno);
}

static void vannounce(const char *prefix, const char *fmt, va_list ap)
{
    char line[512];
    int n = snprintf(line, sizeof line, "kvmunit-init: %s", prefix);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    if (m < 0)
        return;
    size_t len = (size_t)n + ((size_t)m < sizeof line - (size_t)n - 1 ? (size_t)m : sizeof line - (size_t)n - 2);
    line[len++] = '\n';
    /* One write per line keeps lines whole when the kernel logs concurrently; a failing
     * console must not stop the init, so errors are ignored. */
    ssize_t ignored = write(console_fd, line, len);
    (void)ignored;
}

void announce(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vannounce("", fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vannounce("fatal: ", fmt, ap);
    va_end(ap);
    power_off(1);
}
