#include "channel.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "protocol.h"
#include "wire.h"

#define CHANNEL_CAPACITY (PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD)

void channel_init(struct channel *c, int in_fd, int out_fd)
{
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->buf = xmalloc(CHANNEL_CAPACITY);
    c->start = c->end = c->skipped = 0;
}

bool channel_fill(struct channel *c)
{
    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    /* The buffer holds one maximal frame, and channel_next consumes any complete frame, so
     * there is always room here. */
    for (;;) {
        ssize_t n = read(c->in_fd, c->buf + c->end, CHANNEL_CAPACITY - c->end);
        if (n > 0) {
            c->end += (size_t)n;
            return true;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return true; /* a non-blocking fd with nothing after all: poll again */
        announce("agent channel read failed (errno %d)", errno);
        return false;
    }
}

size_t channel_pending(const struct channel *c)
{
    return c->end - c->start;
}

static uint32_t frame_crc(const uint8_t *header, const uint8_t *payload, size_t len)
{
    uint32_t crc = crc32_update(CRC32_INIT, header, 12);
    return crc32_finish(crc32_update(crc, payload, len));
}

bool channel_next(struct channel *c, struct frame *f)
{
    for (;;) {
        const uint8_t *p = c->buf + c->start;
        size_t avail = c->end - c->start;
        if (avail == 0 || (avail == 1 && p[0] == PROTO_MAGIC0))
            return false;
        if (p[0] != PROTO_MAGIC0 || p[1] != PROTO_MAGIC1) {
            c->start++;
            c->skipped++;
            continue;
        }
        if (c->skipped) {
            channel_send_error(c, PROTO_CONNECTION_ID, E_BAD_MAGIC, 0,
                               "skipped %zu bytes that did not start a frame", c->skipped);
            c->skipped = 0;
        }
        if (avail < PROTO_HEADER_SIZE)
            return false;
        uint8_t version = p[2];
        uint8_t type = p[3];
        uint32_t id = get_be32(p + 4);
        uint32_t len = get_be32(p + 8);
        if (len > PROTO_MAX_PAYLOAD) {
            /* The length cannot be trusted, so neither can the frame's end: drop the header
             * and let the magic hunt find the next frame. */
            channel_send_error(c, id, E_FRAME_TOO_LARGE, 0, "payload length %u exceeds the maximum %u",
                               len, PROTO_MAX_PAYLOAD);
            c->start += PROTO_HEADER_SIZE;
            continue;
        }
        if (avail < PROTO_HEADER_SIZE + len)
            return false;
        const uint8_t *payload = p + PROTO_HEADER_SIZE;
        uint32_t expected = get_be32(p + 12);
        uint32_t actual = frame_crc(p, payload, len);
        c->start += PROTO_HEADER_SIZE + len;
        if (expected != actual) {
            channel_send_error(c, id, E_BAD_CRC, 0, "frame CRC32 is 0x%08x but its bytes give 0x%08x",
                               expected, actual);
            continue;
        }
        if (version != PROTO_VERSION) {
            channel_send_error(c, id, E_UNSUPPORTED_VERSION, 0, "protocol version %u is not supported, this agent speaks %u",
                               version, PROTO_VERSION);
            continue;
        }
        f->type = type;
        f->request_id = id;
        f->payload = payload;
        f->length = len;
        return true;
    }
}

static void write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                /* the host passed a non-blocking fd: wait for room instead of spinning */
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                poll(&p, 1, -1);
                continue;
            }
            fatal("agent channel write failed (errno %d)", errno);
        }
        data += n;
        len -= (size_t)n;
    }
}

void channel_send(struct channel *c, uint8_t type, uint32_t request_id, const void *payload, size_t len)
{
    uint8_t header[PROTO_HEADER_SIZE];
    header[0] = PROTO_MAGIC0;
    header[1] = PROTO_MAGIC1;
    header[2] = PROTO_VERSION;
    header[3] = type;
    put_be32(header + 4, request_id);
    put_be32(header + 8, (uint32_t)len);
    put_be32(header + 12, frame_crc(header, payload, len));
    write_all(c->out_fd, header, sizeof header);
    write_all(c->out_fd, payload, len);
}

void channel_send_error(struct channel *c, uint32_t request_id, uint32_t code, int err, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    uint8_t payload[8 + 4 + sizeof message];
    size_t mlen = strlen(message);
    put_be32(payload, code);
    put_be32(payload + 4, (uint32_t)err);
    put_be32(payload + 8, (uint32_t)mlen);
    memcpy(payload + 12, message, mlen);
    channel_send(c, T_ERROR, request_id, payload, 12 + mlen);
}
