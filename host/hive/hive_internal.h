/* Internals shared by hive.c and the raw cell layer (hive_raw.c). Not part
 * of the plugin ABI. */
#ifndef HH_HIVE_INTERNAL_H
#define HH_HIVE_INTERNAL_H

#include <libregf.h>
#include <libbfio.h>

#include "hive.h"

#define HH_BASE_BLOCK_SIZE 4096

struct hh_raw_state; /* owned by hive_raw.c */

struct hh_hive {
    int refs;                 /* the opener + every live key and value */
    int closed;
    char *path;
    hh_hive_info info;
    hh_open_options opts;
    uint8_t *data;            /* the hive image (after any replay), owned */
    size_t size;
    size_t mapped;            /* data is a private mapping of the file this long; 0: malloc'd */
    libbfio_handle_t *bfio;
    libregf_file_t *file;     /* NULL when only the raw layer could read it */
    char **warnings;
    size_t nwarnings;
    struct hh_raw_state *raw;
    int base_block_bad;       /* the file's base block checksum was wrong */
    uint64_t *lent;           /* file offsets of value size fields libregf sees as "no data" (hive_lend.c) */
    size_t nlent;
    struct hh_view_patch *split; /* bin headers and filler cells libregf sees (hive_lend.c), by offset */
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

void hh_hive_ref(hh_hive *hive);
void hh_hive_unref(hh_hive *hive);
int hh_hive_root_key(hh_hive *hive, hh_key **out, char *err, size_t errlen);
hh_key *hh_key_wrap(hh_hive *hive, libregf_key_t *lk, const char *parent_path);
uint32_t hh_base_block_checksum(const uint8_t *base);
/* Reads a regular file (a hive or a log) whole; -1 with a reason. */
int hh_read_whole_file(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen);
/* Makes the image need bytes long, zero-filled (replay). 1, or -1 with err. */
int hh_hive_grow_image(hh_hive *hive, size_t need, char *err, size_t errlen);

/* What the guard's walk notes for hive_lend.c, hive_raw.c and recover.c,
 * for a hive whose bins and cells are all well formed (clean; otherwise
 * empty). Offsets are from the start of the hive bins; the bitmaps hold a
 * bit per 8 bytes of bins. */
#define HH_CENSUS_VK_MIN 0x14 /* cell payload bytes to read a vk's data fields */
#define HH_CENSUS_NK_MIN 0x34 /* ... an nk's list and class offsets */
typedef struct hh_cell_census {
    int clean;
    uint32_t nbins_bytes;     /* the base block's hive bins size */
    uint64_t *starts;         /* an allocated cell other than a key or value starts here (data may) */
    uint64_t *key_reads;      /* a key cell's subkey list, value list, security or class offset points here */
    uint64_t *list_reads;     /* a value list, subkey list, index root or security cell's link points here */
    uint32_t *vks;            /* allocated value cells with data outside them */
    uint32_t *ris;            /* allocated index roots */
    uint32_t *frees;          /* free cells */
    size_t nvks, nris, nfrees, capv, capr, capf;
} hh_cell_census;
void hh_cell_census_free(hh_cell_census *census);

/* Values whose data hivehunt reads itself are shown to libregf without
 * data (hive_lend.c): 1 when any is, 0 when the image is left alone. */
int hh_hive_lend_values(hh_hive *hive, const hh_cell_census *census);
/* The data of a lent value stored as big data (db segments), read from the
 * cells: 1 with *out malloc'd, 0 when the value was not lent that way. */
int hh_hive_lent_big_data(hh_hive *hive, uint64_t vk_off, uint8_t **out, size_t *len);
/* A libbfio handle over the first size bytes of hive->data as libregf
 * should see them; 1, or -1 on no memory. */
int hh_hive_lend_handle(hh_hive *hive, size_t size, libbfio_handle_t **out);

/* Caps what the reader's known bugs would trust, and takes the census
 * (hive_guard.c). Free the census with hh_cell_census_free. */
void hh_hive_guard_reader(hh_hive *hive, hh_cell_census *census);

/* The raw cell layer (hive_raw.c). Each answers 1 done / 0 not applicable /
 * -1 error with a reason. */
int hh_hive_raw_replay(hh_hive *hive, char *err, size_t errlen);
int hh_hive_raw_fallback(hh_hive *hive, char *err, size_t errlen);
/* Before libregf: neutralise what crashes it (index roots of a clean
 * census only, else every cell). */
void hh_hive_raw_defuse(hh_hive *hive, const hh_cell_census *census);
int hh_hive_raw_root(hh_hive *hive, hh_key **out);
int hh_key_raw_subkey(hh_key *libregf_parent, const char *name, hh_key **out); /* 1, 0 absent, -1 */
int hh_key_raw_subkey_index(hh_key *libregf_parent, int index, hh_key **out);
int hh_key_raw_subkey_by_name(hh_key *key, const char *name, hh_key **out, char *err, size_t errlen);
int hh_key_raw_subkey_count(hh_key *key, int *count, char *err, size_t errlen);
int hh_key_raw_subkey_at(hh_key *key, int index, hh_key **out, char *err, size_t errlen);
int hh_key_raw_value_count(hh_key *key, int *count, char *err, size_t errlen);
int hh_key_raw_value_at(hh_key *key, int index, hh_value **out, char *err, size_t errlen);
int hh_key_raw_value_by_name(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen);
void hh_key_raw_free(hh_key *key);
void hh_hive_raw_release(hh_hive *hive);

#endif
