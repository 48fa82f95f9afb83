#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol.h"
#include "wire.h"

void files_read(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len)
{
    struct reader r = reader_of(payload, len);
    uint64_t limit = read_u64(&r);
    char *path = read_string(&r);
    if (!reader_done(&r)) {
        channel_send_error(ch, request_id, E_MALFORMED, 0, "READ_FILE payload must be a u64 limit and a path");
        free(path);
        return;
    }
    /* O_NONBLOCK: a FIFO or a device with nothing to say ends the read instead of stalling
     * the whole agent. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        channel_send_error(ch, request_id, E_IO, errno, "cannot open '%s': %s", path, strerror(errno));
        free(path);
        return;
    }
    static uint8_t chunk[PROTO_DATA_CHUNK];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN) {
            channel_send_error(ch, request_id, E_IO, errno, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (n <= 0) {
            channel_send(ch, T_OK, request_id, NULL, 0);
            break;
        }
        if ((uint64_t)n > limit - total) {
            channel_send_error(ch, request_id, E_FILE_TOO_LARGE, 0, "'%s' is larger than the limit of %llu bytes",
                               path, (unsigned long long)limit);
            break;
        }
        total += (uint64_t)n;
        channel_send(ch, T_FILE_DATA, request_id, chunk, (size_t)n);
    }
    close(fd);
    free(path);
}

/* Opens for writing; the requested mode applies only to a file this call creates, so writing
 * to sysfs, cgroupfs or an existing file never changes its permissions. */
static int open_for_write(const char *path, uint32_t mode, bool append)
{
    int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND : O_TRUNC);
    int fd = open(path, flags | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        if (fchmod(fd, mode & 07777) != 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        return fd;
    }
    if (errno != EEXIST)
        return -1;
    return open(path, flags);
}

void files_write(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len)
{
    struct reader r = reader_of(payload, len);
    uint32_t mode = read_u32(&r);
    uint8_t flags = read_u8(&r);
    char *path = read_string(&r);
    uint32_t data_len;
    const uint8_t *data = read_bytes(&r, &data_len);
    if (!reader_done(&r) || (flags & ~WRITE_FLAGS_KNOWN) || mode > 07777) {
        channel_send_error(ch, request_id, E_MALFORMED, 0,
                           "WRITE_FILE payload must be mode (<= 07777), known flags, path and data");
        free(path);
        return;
    }
    int fd = open_for_write(path, mode, flags & WRITE_FLAG_APPEND);
    if (fd < 0) {
        channel_send_error(ch, request_id, E_IO, errno, "cannot open '%s' for writing: %s", path, strerror(errno));
        free(path);
        return;
    }
    /* sysfs and cgroupfs take a value per write() call, so the data goes out in as few
     * calls as the kernel accepts. */
    uint32_t done = 0;
    int failure = 0;
    while (done < data_len) {
        ssize_t n = write(fd, data + done, data_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            failure = n < 0 ? errno : EIO;
            break;
        }
        done += (uint32_t)n;
    }
    if (!failure && close(fd) != 0)
        failure = errno;
    else if (failure)
        close(fd);
    if (failure)
        channel_send_error(ch, request_id, E_IO, failure, "cannot write '%s': %s", path, strerror(failure));
    else
        channel_send(ch, T_OK, request_id, NULL, 0);
    free(path);
}
