#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "console.h"

static uint32_t crc_table[256];
static bool crc_table_ready;

/* IEEE 802.3 polynomial, reflected: the same CRC as java.util.zip.CRC32 and zlib. */
static void crc_init_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    crc_table_ready = true;
}

uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
    if (!crc_table_ready)
        crc_init_table();
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

uint32_t crc32_finish(uint32_t crc)
{
    return crc ^ 0xFFFFFFFFu;
}

void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

struct reader reader_of(const uint8_t *data, size_t len)
{
    struct reader r = { .data = data, .len = len, .pos = 0, .ok = true };
    return r;
}

static const uint8_t *take(struct reader *r, size_t n)
{
    if (!r->ok || r->len - r->pos < n) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

uint8_t read_u8(struct reader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint32_t read_u32(struct reader *r)
{
    const uint8_t *p = take(r, 4);
    return p ? get_be32(p) : 0;
}

uint64_t read_u64(struct reader *r)
{
    const uint8_t *p = take(r, 8);
    return p ? ((uint64_t)get_be32(p) << 32) | get_be32(p + 4) : 0;
}

const uint8_t *read_bytes(struct reader *r, uint32_t *len)
{
    uint32_t n = read_u32(r);
    const uint8_t *p = take(r, n);
    *len = p ? n : 0;
    return p;
}

char *read_string(struct reader *r)
{
    uint32_t n;
    const uint8_t *p = read_bytes(r, &n);
    if (!p || memchr(p, '\0', n)) {
        r->ok = false;
        return NULL;
    }
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

char **read_string_list(struct reader *r)
{
    uint32_t count = read_u32(r);
    /* Each entry needs at least its 4-byte length: reject counts the payload cannot hold
     * before allocating anything sized by them. */
    if (!r->ok || count > (r->len - r->pos) / 4) {
        r->ok = false;
        return NULL;
    }
    char **list = xmalloc(((size_t)count + 1) * sizeof(char *));
    size_t filled = 0;
    for (; filled < count; filled++) {
        list[filled] = read_string(r);
        if (!list[filled])
            break;
    }
    list[filled] = NULL;
    if (filled < count) {
        free_string_list(list);
        return NULL;
    }
    return list;
}

bool reader_done(const struct reader *r)
{
    return r->ok && r->pos == r->len;
}

void free_string_list(char **list)
{
    if (!list)
        return;
    for (char **s = list; *s; s++)
        free(*s);
    free(list);
}

static void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        fatal("out of memory allocating %zu bytes", size);
    return q;
}

static void reserve(struct builder *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

static void build_raw(struct builder *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
}

void build_u8(struct builder *b, uint8_t v)
{
    build_raw(b, &v, 1);
}

void build_u32(struct builder *b, uint32_t v)
{
    uint8_t tmp[4];
    put_be32(tmp, v);
    build_raw(b, tmp, 4);
}

void build_u64(struct builder *b, uint64_t v)
{
    build_u32(b, (uint32_t)(v >> 32));
    build_u32(b, (uint32_t)v);
}

static void build_bytes(struct builder *b, const void *data, size_t len)
{
    build_u32(b, (uint32_t)len);
    build_raw(b, data, len);
}

void build_string(struct builder *b, const char *s)
{
    build_bytes(b, s, strlen(s));
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        fatal("out of memory allocating %zu bytes", size);
    return p;
}

