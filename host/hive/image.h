/* Layer: hive, at its bottom (image.c). The hive, key and value structures,
 * and what the opener and its helpers share: the image (read, mapped,
 * grown), the base block checksum, warnings (hive.h).
 * Includes only the hive's public header (hive.h), libregf and libbfio. */
#ifndef HH_HIVE_IMAGE_H
#define HH_HIVE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <libbfio.h>
#include <libregf.h>

#include "hive.h"

/* Hives larger than this are not registry hives we can reason about safely. */
#define HH_HIVE_MAX_BYTES ((size_t)2 << 30)
#define HH_BASE_BLOCK_SIZE 4096

struct hh_raw_state; /* built by raw.c, freed by lifetime.c */
struct hh_cells_key; /* cells.c */

struct hh_hive {
    int refs;                 /* the opener + every live key and value */
    int closed;
    char *path;
    hh_hive_info info;
    hh_open_options opts;
    uint8_t *data;            /* the hive image (after any replay), owned */
    size_t size;
    size_t mapped;            /* data is a mapping of its own this long; 0: malloc'd */
    libbfio_handle_t *bfio;
    libregf_file_t *file;     /* NULL when only the raw layer could read it */
    char **warnings;
    size_t nwarnings;
    struct hh_raw_state *raw;
    int cells;                /* keys and values are read from the cells (cells.c), libregf answering the rest */
    uint64_t *cell_starts;    /* with cells: a bit per 8 bytes of bins, set where a cell starts (the census) */
    uint32_t ncell_bytes;     /* bins bytes cell_starts covers */
    int base_block_bad;       /* the file's base block checksum was wrong */
    uint64_t *lent;           /* file offsets of value size fields libregf sees as "no data" (lend.c) */
    size_t nlent;
    struct hh_view_patch *split; /* bin headers and filler cells libregf sees (lend.c), by offset */
    size_t nsplit;
    int free_cells_known;     /* free_cells lists every free cell (a clean hive, from the guard's walk) */
    uint32_t *free_cells;     /* for recover.c's deleted-key scan */
    size_t nfree_cells;
};

typedef struct hh_view_patch {
    uint64_t off;             /* file offset */
    uint32_t len;
    uint8_t bytes[36];
} hh_view_patch;

struct hh_key {
    hh_hive *hive;
    libregf_key_t *lk;        /* NULL for a key read by the raw layer */
    uint32_t raw_offset;      /* cell offset for raw keys */
    char *name;
    char *path;
    char *class_name;
    int class_loaded;
    uint64_t last_write;
    int recovered;            /* from unallocated space, not the live tree */
    struct hh_raw_key *raw;   /* the raw layer's per-key cache (raw keys only) */
    struct hh_cells_key *cells; /* a key the cells reader reads (cells.c), else NULL */
};

struct hh_value {
    hh_hive *hive;
    libregf_value_t *lv;      /* NULL for a raw value */
    uint32_t raw_offset;
    char *name;
    uint32_t type;
    uint8_t *data;
    size_t len;
    int data_loaded;
    int data_borrowed;        /* data points into hive->data (not freed) */
};

uint32_t hh_base_block_checksum(const uint8_t *base);
/* Reads a regular file (a hive or a log) whole; -1 with a reason. */
int hh_read_whole_file(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen);
/* Maps (or reads) the hive file at path as hive->data; 1, or -1 with err. */
int hh_hive_load_image(hh_hive *hive, const char *path, char *err, size_t errlen);
void hh_hive_free_image(hh_hive *hive);
/* Makes the image need bytes long, zero-filled (replay). 1, or -1 with err. */
int hh_hive_grow_image(hh_hive *hive, size_t need, char *err, size_t errlen);

#endif
