/*
 * The framed agent channel: reassembles frames from the host's byte stream, validates them
 * (magic, version, length bound, CRC) and answers every framing error with an ERROR frame
 * before resynchronising, so a buggy host gets told what it did wrong and the agent keeps
 * serving. Also sends frames. See PROTOCOL.md, "Framing" and "Errors".
 */
#ifndef KVMUNIT_CHANNEL_H
#define KVMUNIT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frame {
    uint8_t type;
    uint32_t request_id;
    const uint8_t *payload; /* points into the channel's buffer, valid until the next read */
    uint32_t length;
};

struct channel {
    int in_fd;
    int out_fd;
    uint8_t *buf;
    size_t start;   /* first unconsumed byte */
    size_t end;     /* one past the last received byte */
    size_t skipped; /* bytes dropped while hunting for a frame start, not yet reported */
};

void channel_init(struct channel *c, int in_fd, int out_fd);
/* Reads the bytes available now; false when the host closed the channel. */
bool channel_fill(struct channel *c);
/* Takes the next valid frame from the received bytes; false when more bytes are needed. */
bool channel_next(struct channel *c, struct frame *f);
/* Bytes of an incomplete frame still buffered (reported when the host closes mid-frame). */
size_t channel_pending(const struct channel *c);

/* Sending never fails: a channel that cannot be written is fatal for the agent. */
void channel_send(struct channel *c, uint8_t type, uint32_t request_id, const void *payload, size_t len);
void channel_send_error(struct channel *c, uint32_t request_id, uint32_t code, int err,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
