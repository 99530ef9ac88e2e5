/* Layer: hive, at its bottom. The hive image and what the opener (hive.c)
 * and its helpers (guard.c, replay.c, raw.c, lend.c) share: reading
 * files, growing the image, the base block checksum, the hive's warnings.
 * May call: base (util.h, heap.h), libc; nothing else in the hive layer. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heap.h"
#include "util.h"

#define HH_MAX_WARNINGS 256

void hh_hive_warn(hh_hive *hive, const char *fmt, ...)
{
    if (!hive || hive->nwarnings >= HH_MAX_WARNINGS)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* The same warning from many keys says nothing new. */
    for (size_t i = 0; i < hive->nwarnings; i++)
        if (strcmp(hive->warnings[i], buf) == 0)
            return;
    char **grown = realloc(hive->warnings, (hive->nwarnings + 1) * sizeof *grown);
    if (!grown)
        return;
    hive->warnings = grown;
    hive->warnings[hive->nwarnings] = hh_strdup(buf);
    if (hive->warnings[hive->nwarnings])
        hive->nwarnings++;
}

size_t hh_hive_warning_count(const hh_hive *hive) { return hive ? hive->nwarnings : 0; }
const char *hh_hive_warning(const hh_hive *hive, size_t i)
{
    return (hive && i < hive->nwarnings) ? hive->warnings[i] : NULL;
}

/* ---- reading the file ------------------------------------------------- */

/* Opens path for reading as a hive or log: a regular, non-empty file of at
 * most HH_HIVE_MAX_BYTES. Returns the descriptor, or -1 with err set. */
static int open_input(const char *path, size_t *size, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = "is a directory";
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_size == 0)
        why = "empty file";
    if (why) {
        snprintf(err, errlen, "%s", why);
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > HH_HIVE_MAX_BYTES) {
        snprintf(err, errlen, "file too large for a hive (%lld bytes)", (long long)st.st_size);
        close(fd);
        return -1;
    }
    *size = (size_t)st.st_size;
    return fd;
}

static int read_into(int fd, uint8_t *buf, size_t size, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "read failed: %s", n < 0 ? strerror(errno) : "short read");
            return -1;
        }
        got += (size_t)n;
    }
    return 1;
}

static int read_all(int fd, size_t size, uint8_t **out, char *err, size_t errlen)
{
    uint8_t *buf = malloc(size);
    if (!buf) {
        snprintf(err, errlen, "out of memory reading %zu bytes", size);
        return -1;
    }
    if (read_into(fd, buf, size, err, errlen) != 1) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 1;
}

int hh_read_whole_file(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
    size_t size = 0;
    int fd = open_input(path, &size, err, errlen);
    if (fd < 0)
        return -1;
    int rc = read_all(fd, size, out, err, errlen);
    close(fd);
    if (rc == 1)
        *outlen = size;
    return rc;
}

/* The hive image is a copy of the file in this process's own memory, so
 * what the host changes (checksum, replay, defused cells) stays here. A
 * private mapping of the file instead faults its pages in 64 KB at a time,
 * copies each one written and tears them all down at exit: hunts of the
 * corpus's SYSTEM hives took 15-40% longer that way. */
int hh_hive_load_image(hh_hive *hive, const char *path, char *err, size_t errlen)
{
    size_t size = 0;
    int fd = open_input(path, &size, err, errlen);
    if (fd < 0)
        return -1;
    size_t len = 0;
    uint8_t *buf = hh_huge_mapping(size, &len);
    int rc = -1;
    if (!buf)
        snprintf(err, errlen, "out of memory reading %zu bytes", size);
    else if ((rc = read_into(fd, buf, size, err, errlen)) != 1)
        munmap(buf, len);
    close(fd);
    if (rc != 1)
        return rc;
    hive->data = buf;
    hive->mapped = len;
    hive->size = size;
    return 1;
}

void hh_hive_free_image(hh_hive *hive)
{
    if (hive->mapped)
        munmap(hive->data, hive->mapped);
    else
        free(hive->data);
    hive->data = NULL;
    hive->size = 0;
    hive->mapped = 0;
}

int hh_hive_grow_image(hh_hive *hive, size_t need, char *err, size_t errlen)
{
    if (need <= hive->size)
        return 1;
    uint8_t *g = hive->mapped ? malloc(need) : realloc(hive->data, need);
    if (!g) {
        snprintf(err, errlen, "out of memory growing the hive to %zu bytes", need);
        return -1;
    }
    if (hive->mapped) {
        memcpy(g, hive->data, hive->size);
        munmap(hive->data, hive->mapped);
        hive->mapped = 0;
    }
    memset(g + hive->size, 0, need - hive->size);
    hive->data = g;
    hive->size = need;
    return 1;
}

uint32_t hh_base_block_checksum(const uint8_t *base)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < 508; i += 4)
        sum ^= hh_le32(base + i);
    /* The format reserves 0 and -1 as "no checksum"; Windows maps them. */
    if (sum == 0xFFFFFFFFu)
        sum = 0xFFFFFFFEu;
    else if (sum == 0)
        sum = 1;
    return sum;
}
