/* Layer: hive. May include: image.h, raw_cells.h. */
/* The raw cell layer's internal interface: transaction log replay, the
 * Marvin32 hash the new log format uses, and a bounds-checked reader of
 * hive cells. Not part of the plugin ABI. */
#ifndef HH_RAW_H
#define HH_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "hive_internal.h"
#include "raw_cells.h"

/* The seed Windows uses for log entry hashes (checked against real logs). */
#define HH_LOG_MARVIN_SEED 0x82EF4D887A4E55C5ull

uint64_t hh_marvin32(uint64_t seed, const uint8_t *data, size_t len);

/* Replays the transaction logs of a dirty hive into hive->data (memory only)
 * and fixes the base block. 1 replayed, 0 nothing to do (warnings say why),
 * -1 error. */
int hh_replay_logs(hh_hive *hive, char *err, size_t errlen);

/* ---- the raw view of one hive (raw.c, recover.c) ---- */

typedef struct { uint32_t parent, off; } hh_raw_kid;
/* By parent, then offset (raw.c's live kids, recover.c's deleted ones). */
static inline int hh_raw_kid_cmp(const void *a, const void *b)
{
    const hh_raw_kid *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

typedef struct {
    uint32_t off, parent;
    uint32_t cell_len;    /* bytes of the former cell the record may use */
    uint64_t last_write;
    char *name;
    char *path;           /* resolved through live or recovered parents */
} hh_raw_deleted;

/* A raw key's cache of its subkeys and values (raw.c fills it, lifetime.c
 * frees it with the key). */
struct hh_raw_key {
    uint32_t *children;
    size_t nchildren;
    int children_ready;
    hh_raw_vk *values;
    size_t nvalues;
    int values_ready;
};

/* The hive's raw view (raw.c builds it, lifetime.c frees it with the
 * reader). */
struct hh_raw_state {
    hh_raw_image img;
    uint32_t root;            /* root key node offset */
    hh_raw_kid *kids;         /* allocated key nodes with plausible names, by parent */
    size_t nkids;
    int kids_ready;           /* kids is built on first need: a healthy hive never needs it */
    hh_raw_deleted *deleted;  /* key nodes found in unallocated cells, by offset */
    size_t ndeleted;
    hh_raw_kid *deleted_kids; /* the same, by parent */
    int deleted_ready;
    const uint32_t *free_cells; /* every free cell, when free_cells_known (the hive's, from its census) */
    size_t nfree_cells;
    int free_cells_known;
};

/* The hive's raw view, built on first use over hive->data. NULL: no memory. */
struct hh_raw_state *hh_raw_state_get(hh_hive *hive);

/* The path (relative to the root, "" for the root) of a live key node, by
 * its parent links; NULL when the chain does not reach the root. */
char *hh_raw_live_path(const hh_raw_image *img, uint32_t root, uint32_t off);

/* Scans unallocated cells for key nodes that validate (recover.c). */
int hh_raw_find_deleted(struct hh_raw_state *st);
void hh_raw_deleted_free(struct hh_raw_state *st);
const hh_raw_deleted *hh_raw_deleted_find(const struct hh_raw_state *st, uint32_t off);

#endif
