#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "protocol.h"
#include "wire.h"

/* Levels 0-4: emerg, alert, crit, err, warning. WARN() splats, BUG, lockups and RCU stalls
 * all log at these levels. */
#define FORWARD_MAX_LEVEL 4

/* /dev/kmsg returns one record per read and fails a read that cannot hold a whole one;
 * records are at most about 1 KiB of text plus their dictionary. */
#define RECORD_BUFFER 8192

static char pending[RECORD_BUFFER];
static size_t pending_len;

int kmsg_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        announce("cannot read kernel log %s: %s; kernel warnings will not be forwarded", path, strerror(errno));
    return fd;
}

/* A record line is "priority,sequence,timestamp_us,flags[,...];message"; lines starting with
 * a space continue the previous record with KEY=value metadata and are not forwarded. */
static void forward_line(struct channel *ch, const char *line)
{
    const char *message = strchr(line, ';');
    unsigned int priority;
    unsigned long long sequence, timestamp_us;
    if (line[0] == ' ' || !message || sscanf(line, "%u,%llu,%llu", &priority, &sequence, &timestamp_us) != 3)
        return;
    message++;
    unsigned int level = priority & 7;
    if (level > FORWARD_MAX_LEVEL && !strstr(message, "sched_ext"))
        return;
    struct builder b = { 0 };
    build_u8(&b, (uint8_t)level);
    build_u64(&b, timestamp_us);
    build_string(&b, message);
    channel_send(ch, T_KERNEL_LOG, PROTO_CONNECTION_ID, b.data, b.len);
    free(b.data);
}

static void forward_complete_lines(struct channel *ch)
{
    size_t start = 0;
    for (char *nl; (nl = memchr(pending + start, '\n', pending_len - start)); start = (size_t)(nl - pending) + 1) {
        *nl = '\0';
        forward_line(ch, pending + start);
    }
    pending_len -= start;
    memmove(pending, pending + start, pending_len);
    if (pending_len == sizeof pending - 1)
        pending_len = 0; /* a line longer than any record: not a kernel log, drop it */
}

bool kmsg_forward(struct channel *ch, int fd)
{
    for (;;) {
        ssize_t n = read(fd, pending + pending_len, sizeof pending - 1 - pending_len);
        if (n > 0) {
            pending_len += (size_t)n;
            forward_complete_lines(ch);
            continue;
        }
        if (n == 0)
            return false;
        if (errno == EINTR || errno == EPIPE)
            continue; /* EPIPE: records were overwritten before we read them; go on with newer ones */
        if (errno == EAGAIN)
            return true;
        announce("kernel log read failed: %s; no longer forwarding it", strerror(errno));
        return false;
    }
}
