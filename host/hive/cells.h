/* Layer: hive. May include: hive_internal.h. */
/* The cells reader (cells.c): keys and values of a hive whose census is
 * clean, read from the cells by hivehunt, answering as libregf would.
 * Not part of the plugin ABI. */
#ifndef HH_CELLS_H
#define HH_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "hive_internal.h"

/* A cells key's state: where it is, how libregf would reach it (the
 * subkey indexes from the root), and libregf's own copy of it once
 * something about it needs libregf's answer. */
struct hh_cells_key {
    uint32_t off;             /* key node cell offset */
    uint32_t *children;       /* subkey list, in list order (whole: vetted at creation) */
    size_t nchildren;
    uint32_t nvalues, valuelist;
    int values_vetted;        /* 0 not yet, 1 every value reads here, -1 libregf answers */
    hh_key *shadow;           /* libregf's key at the same place, once needed */
    uint32_t depth;
    uint32_t trail[];         /* subkey index at each level below the root */
};

/* A name every decoder agrees on: 8-bit text of ASCII characters (no NUL),
 * or UTF-16LE of the same; and its copy as a C string (NULL: no memory). */
int hh_cells_simple_text(const uint8_t *p, uint32_t n, int compressed);
char *hh_cells_text_copy(const uint8_t *p, uint32_t n, int compressed);

/* The root as a cells key: 1, or 0 when libregf must read it. */
int hh_cells_root(hh_hive *hive, hh_key **out);
int hh_cells_subkey(hh_key *key, const char *name, hh_key **out, char *err, size_t errlen);
int hh_cells_subkey_count(hh_key *key, int *count, char *err, size_t errlen);
int hh_cells_subkey_at(hh_key *key, int index, hh_key **out, char *err, size_t errlen);
const char *hh_cells_class_name(hh_key *key);
int hh_cells_value_count(hh_key *key, int *count, char *err, size_t errlen);
int hh_cells_value_at(hh_key *key, int index, hh_value **out, char *err, size_t errlen);
int hh_cells_value(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen);
void hh_cells_key_free(hh_key *key);

/* libregf's root key (hive.c), for the cells reader's questions. */
int hh_hive_libregf_root(hh_hive *hive, hh_key **out, char *err, size_t errlen);

#endif
