/*
 * Byte-level encoding shared by every message: CRC32, big-endian integers, a bounds-checked
 * payload reader for hostile input and a growable payload builder for output.
 */
#ifndef KVMUNIT_WIRE_H
#define KVMUNIT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len);
uint32_t crc32_finish(uint32_t crc);
#define CRC32_INIT 0xFFFFFFFFu

void put_be32(uint8_t *p, uint32_t v);
uint32_t get_be32(const uint8_t *p);

/*
 * Reads a payload that came from the host. Every accessor checks the remaining length;
 * the first failure latches `ok` to false and later reads return zero values, so a decoder
 * reads all its fields and checks `ok` once at the end.
 */
struct reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    bool ok;
};

struct reader reader_of(const uint8_t *data, size_t len);
uint8_t read_u8(struct reader *r);
uint32_t read_u32(struct reader *r);
uint64_t read_u64(struct reader *r);
/* A u32 length followed by that many bytes; returns a pointer into the payload. */
const uint8_t *read_bytes(struct reader *r, uint32_t *len);
/* Like read_bytes but as a freshly allocated C string; embedded NUL bytes are malformed. */
char *read_string(struct reader *r);
/* A u32 count followed by that many strings; returns a NULL-terminated allocated array. */
char **read_string_list(struct reader *r);
/* True when the payload was well-formed and fully consumed. */
bool reader_done(const struct reader *r);
void free_string_list(char **list);

/* Growable output buffer; allocation failure is fatal (the init cannot serve without memory). */
struct builder {
    uint8_t *data;
    size_t len;
    size_t cap;
};

void build_u8(struct builder *b, uint8_t v);
void build_u32(struct builder *b, uint32_t v);
void build_u64(struct builder *b, uint64_t v);
void build_string(struct builder *b, const char *s);

void *xmalloc(size_t size);

#endif
