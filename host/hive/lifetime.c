/* Layer: hive, below the opener and the raw cell layer. May call: image.c,
 * raw_cells.c, recover.c, base, libregf, libbfio. */
/* How long hives, keys and values live: the hive's reference count (the
 * opener's and one per live key and value) and freeing what each owns,
 * the raw layer's caches included. hive.c and raw.c both make keys and
 * values and free them here, so neither calls back into the other. */
#include <stdlib.h>

#include <libbfio.h>
#include <libregf.h>

#include "cells.h"
#include "raw.h"

void hh_hive_ref(hh_hive *hive) { hive->refs++; }

/* The raw view of the hive (raw.c builds it on first use). */
static void raw_state_release(hh_hive *hive)
{
    struct hh_raw_state *st = hive->raw;
    if (!st)
        return;
    hh_raw_image_free(&st->img);
    free(st->kids);
    hh_raw_deleted_free(st);
    free(st);
    hive->raw = NULL;
}

static void release_reader(hh_hive *hive)
{
    if (hive->file) {
        libregf_file_close(hive->file, NULL);
        libregf_file_free(&hive->file, NULL);
    }
    if (hive->bfio)
        libbfio_handle_free(&hive->bfio, NULL);
    raw_state_release(hive);
    free(hive->lent);
    hive->lent = NULL;
    hive->nlent = 0;
    free(hive->split);
    hive->split = NULL;
    hive->nsplit = 0;
    free(hive->free_cells);
    hive->free_cells = NULL;
    free(hive->cell_starts);
    hive->cell_starts = NULL;
    hive->nfree_cells = 0;
    hive->free_cells_known = 0;
    hh_hive_free_image(hive);
}

int hh_hive_release_reader(hh_hive *hive)
{
    if (!hive || hive->refs > 1)
        return 0; /* a key or value still reads through it */
    release_reader(hive);
    hive->closed = 1;
    return 1;
}

static void hive_release(hh_hive *hive)
{
    release_reader(hive);
    for (size_t i = 0; i < hive->nwarnings; i++)
        free(hive->warnings[i]);
    free(hive->warnings);
    free(hive->path);
    free(hive);
}

void hh_hive_unref(hh_hive *hive)
{
    if (hive && --hive->refs == 0)
        hive_release(hive);
}

/* A raw key's cache of its subkeys and values (raw.c fills it). */
static void raw_key_free(hh_key *key)
{
    if (!key->raw)
        return;
    free(key->raw->children);
    hh_raw_vk_free_all(key->raw->values, key->raw->nvalues);
    free(key->raw);
    key->raw = NULL;
}

void hh_key_free(hh_key **key)
{
    if (!key || !*key)
        return;
    hh_key *k = *key;
    if (k->lk)
        libregf_key_free(&k->lk, NULL);
    raw_key_free(k);
    hh_cells_key_free(k);
    free(k->name);
    free(k->path);
    free(k->class_name);
    hh_hive_unref(k->hive);
    free(k);
    *key = NULL;
}

void hh_value_free(hh_value **value)
{
    if (!value || !*value)
        return;
    hh_value *v = *value;
    if (v->lv)
        libregf_value_free(&v->lv, NULL);
    free(v->name);
    if (!v->data_borrowed)
        free(v->data);
    hh_hive_unref(v->hive);
    free(v);
    *value = NULL;
}
