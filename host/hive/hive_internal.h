/* Layer: hive. The entry points of the opener (hive.c) and of the helpers
 * it calls (guard.c, lend.c, raw.c, lifetime.c); the structures they share
 * are in image.h. Not part of the plugin ABI. */
#ifndef HH_HIVE_INTERNAL_H
#define HH_HIVE_INTERNAL_H

#include <libregf.h>
#include <libbfio.h>

#include "hive.h"
#include "image.h"

/* How long hives, keys and values live (lifetime.c): a key or value holds
 * a reference to its hive; hh_key_free and hh_value_free (hive.h) drop it,
 * and the last reference frees the hive. */
void hh_hive_ref(hh_hive *hive);
void hh_hive_unref(hh_hive *hive);

/* The opener and libregf view (hive.c). */
int hh_hive_root_key(hh_hive *hive, hh_key **out, char *err, size_t errlen);
hh_key *hh_key_wrap(hh_hive *hive, libregf_key_t *lk, const char *parent_path);

/* What the guard's walk notes for lend.c, raw.c and recover.c,
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
    uint64_t *cells;          /* any cell starts here (libregf reads cells only where its walk of a bin finds them) */
    uint32_t *vks;            /* allocated value cells with data outside them */
    uint32_t *ris;            /* allocated index roots */
    uint32_t *frees;          /* free cells */
    size_t nvks, nris, nfrees, capv, capr, capf;
} hh_cell_census;
void hh_cell_census_free(hh_cell_census *census);

/* Values whose data hivehunt reads itself are shown to libregf without
 * data (lend.c): 1 when any is, 0 when the image is left alone. */
int hh_hive_lend_values(hh_hive *hive, const hh_cell_census *census);
/* The data of a lent value stored as big data (db segments), read from the
 * cells: 1 with *out malloc'd, 0 when the value was not lent that way. */
int hh_hive_lent_big_data(hh_hive *hive, uint64_t vk_off, uint8_t **out, size_t *len);
/* A libbfio handle over the first size bytes of hive->data as libregf
 * should see them; 1, or -1 on no memory. */
int hh_hive_lend_handle(hh_hive *hive, size_t size, libbfio_handle_t **out);

/* Caps what the reader's known bugs would trust, and takes the census
 * (guard.c). Free the census with hh_cell_census_free. */
void hh_hive_guard_reader(hh_hive *hive, hh_cell_census *census);

/* The raw cell layer (raw.c). Each answers 1 done / 0 not applicable /
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

#endif
