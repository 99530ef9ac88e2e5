/* Layer: hive, below raw.c, recover.c and lifetime.c. May call: base only. */
/* A bounds-checked reader of hive cells (hbin, nk, vk, lf/lh/li/ri, db),
 * independent of libregf, for damaged hives and unallocated space.
 *
 * Offsets are cell offsets relative to the start of the hive bins data, as
 * the format stores them. Every accessor checks the offset against the map
 * of hive bins that validated, and a cell against the bin that holds it,
 * before reading a byte. Counts are capped; nothing recurses without a
 * depth limit. */
#ifndef HH_RAW_CELLS_H
#define HH_RAW_CELLS_H

#include <stddef.h>
#include <stdint.h>

#define HH_RAW_NIL 0xFFFFFFFFu
/* Windows caps key names at 255 characters and value data near 1 MB; a cell
 * claiming more than these is not trusted. */
#define HH_RAW_MAX_NAME_CHARS 255
#define HH_RAW_MAX_SUBKEYS 1000000
#define HH_RAW_MAX_VALUES 1000000
#define HH_RAW_MAX_DATA ((uint32_t)64 << 20)

typedef struct { uint32_t off, size; } hh_raw_bin;

typedef struct {
    const uint8_t *bins;  /* start of the hive bins data */
    uint32_t len;         /* bytes of hive bins data present */
    uint32_t minor;       /* format minor version (big data needs >= 4) */
    hh_raw_bin *v;        /* bins that validated, in offset order */
    size_t n;
    uint32_t damaged;     /* bytes skipped because no valid bin header covered them */
} hh_raw_image;

/* Which cells an accessor accepts. */
enum { HH_RAW_ALLOCATED = 1, HH_RAW_FREE = 2, HH_RAW_ANY = 3 };

typedef struct {
    uint32_t off;
    uint16_t flags;
    uint64_t last_write;
    uint32_t parent;
    uint32_t nsub, sublist;
    uint32_t nvalues, valuelist;
    uint32_t classoff;
    uint16_t classlen;
    int allocated;
    char *name;           /* UTF-8, malloc'd */
    int name_plausible;   /* printable, no backslash, decodes cleanly */
} hh_raw_nk;

typedef struct {
    uint32_t off;
    char *name;           /* UTF-8, malloc'd ("" for the default value) */
    uint32_t type;
    uint8_t *data;        /* malloc'd, NULL when len 0 or unreadable */
    size_t len;
    int data_ok;          /* 0: the data cell did not validate */
} hh_raw_vk;

/* Maps the bins of an image (data points at the base block). 1 ok, -1 out
 * of memory. A damaged region is skipped and counted, not fatal. */
int hh_raw_image_init(hh_raw_image *img, const uint8_t *data, size_t size);
void hh_raw_image_free(hh_raw_image *img);

/* The cell at off: its data (after the size field), length and state.
 * 1 valid, 0 not a cell the map vouches for. */
int hh_raw_cell(const hh_raw_image *img, uint32_t off, int accept, const uint8_t **data, uint32_t *len,
                int *allocated);

/* Calls fn(off, data, len, allocated, ctx) for every cell of every valid bin. */
void hh_raw_each_cell(const hh_raw_image *img,
                      void (*fn)(uint32_t off, const uint8_t *data, uint32_t len, int allocated, void *ctx),
                      void *ctx);

/* Parses a key node at off from a cell's bytes (cell_len limits it). 1 valid. */
/* A key node's signature and a non-empty name inside the cell: what every
 * reader of key cells (raw, recover, cells) asks of one first. */
int hh_raw_nk_header_ok(const uint8_t *data, uint32_t cell_len);
int hh_raw_parse_nk(const uint8_t *data, uint32_t cell_len, uint32_t off, int allocated, hh_raw_nk *out);
int hh_raw_read_nk(const hh_raw_image *img, uint32_t off, int accept, hh_raw_nk *out);
void hh_raw_nk_clear(hh_raw_nk *nk);
/* Whether hh_raw_read_nk would accept the cell, without decoding its name. */
int hh_raw_nk_valid(const hh_raw_image *img, uint32_t off, int accept);
/* A FILETIME a real key could carry (1993..2100). */
int hh_raw_time_plausible(uint64_t ft);

/* Collects the key node offsets a subkey list (lf, lh, li, or ri over those)
 * names, up to max. Returns 1 when the whole list validated, 0 when it is
 * damaged (what could be read is still collected). */
int hh_raw_read_subkey_list(const hh_raw_image *img, uint32_t off, int accept, uint32_t *out, size_t max,
                            size_t *n);

/* Reads the value list of a key node: every vk that validates, in list
 * order. *damaged counts entries skipped. Caller frees with hh_raw_vk_free_all. */
int hh_raw_read_values(const hh_raw_image *img, const hh_raw_nk *nk, int accept, hh_raw_vk **out, size_t *n,
                       size_t *damaged);
void hh_raw_vk_free_all(hh_raw_vk *v, size_t n);

/* The class name of a key node, or NULL. */
char *hh_raw_class_name(const hh_raw_image *img, const hh_raw_nk *nk, int accept);

/* ASCII case-insensitive comparison of UTF-8 names (the registry compares
 * upper-cased names). */
int hh_raw_name_cmp(const char *a, const char *b);

#endif
