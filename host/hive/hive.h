/* Layer: hive, its public header: what the layers above read hives through. */
/*
 * Hive opening and the key/value view every part of hivehunt shares.
 *
 * A hive is read into memory once, its base block checked, its kind
 * detected from content, and then handed to libregf through a libbfio
 * memory range. Keys and values are hivehunt objects (hh_key, hh_value), so
 * the Lua binding, plugins and subcommands all see the same view.
 *
 * Return convention (libregf's): 1 found, 0 absent, -1 error with a one-line
 * reason in err. *_free(&p) releases and sets p to NULL.
 */
#ifndef HH_HIVE_H
#define HH_HIVE_H

#include <stddef.h>
#include <stdint.h>

#include "hivehunt/plugin.h" /* hh_hive, hh_key, hh_value, enums */

#define HH_ERRLEN 512

typedef struct hh_open_options {
    int replay;    /* apply transaction logs when the hive is dirty */
    int recover;   /* read damaged parts and unallocated cells raw */
    const char *const *logs; /* explicit log paths (NULL: look beside the hive) */
    size_t nlogs;
    int no_lend;   /* show libregf every value's data (lend.c): for tests that compare */
    int reader;    /* who reads keys and values of a clean hive: HH_READER_CELLS (default) or _LIBREGF */
} hh_open_options;

/* libregf opens and checks every hive either way; with HH_READER_CELLS the
 * keys and values of a hive whose bins and cells are all well formed are
 * read from the cells with libregf's answers (cells.c), and anything the
 * cells reader cannot vouch for is still asked of libregf. */
enum { HH_READER_CELLS = 0, HH_READER_LIBREGF = 1 };
/* "cells" / "libregf" -> HH_READER_*, or -1. */
int hh_reader_parse(const char *name);

typedef struct hh_hive_info {
    const char *path;
    int kind;                 /* enum hh_hive_kind */
    uint32_t seq_primary;     /* base block sequence numbers */
    uint32_t seq_secondary;
    int dirty;                /* sequence numbers differ */
    int replayed;             /* transaction log entries were applied */
    int log_entries_applied;
    uint64_t last_written;    /* base block timestamp (FILETIME) */
    char embedded_name[80];   /* base block file name, UTF-8 (may be empty) */
    char root_name[256];
    char user[128];           /* user hives: the account (hive_user.c), "" when not told */
    uint32_t major, minor;
    size_t size;              /* bytes read */
} hh_hive_info;

void hh_open_options_default(hh_open_options *opts);

int hh_hive_open(const char *path, const hh_open_options *opts, hh_hive **out,
                 char *err, size_t errlen);
/* The same from bytes already in memory (copied; the caller keeps data).
 * name stands for the file in messages; logs are looked for beside it only
 * when it names a file and opts->replay is set. */
int hh_hive_open_memory(const char *name, const uint8_t *data, size_t len, const hh_open_options *opts,
                        hh_hive **out, char *err, size_t errlen);
void hh_hive_close(hh_hive **hive);
/* Frees what reading takes (the image, libregf's handle and caches, the raw
 * layer's index: about twice the hive's size) once everything needed is read;
 * the hive is closed from then on, its info and warnings stay. Returns 0 and
 * does nothing while a key or value of it is alive. */
int hh_hive_release_reader(hh_hive *hive);
const hh_hive_info *hh_hive_get_info(const hh_hive *hive);
const char *hh_hive_kind_name(int kind);

/* Warnings collected while opening or reading (damaged parts, replay). */
size_t hh_hive_warning_count(const hh_hive *hive);
const char *hh_hive_warning(const hh_hive *hive, size_t i);
void hh_hive_warn(hh_hive *hive, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Deleted keys recovered from unallocated space (see plugin.h). */
int hh_hive_deleted_key_count(hh_hive *hive);
int hh_hive_deleted_key_at(hh_hive *hive, int index, hh_key **out, char *err, size_t errlen);

int hh_key_open(hh_hive *hive, hh_key *base, const char *path, hh_key **out,
                char *err, size_t errlen);
int hh_key_subkey(hh_key *key, const char *name, hh_key **out, char *err, size_t errlen);
int hh_key_subkey_count(hh_key *key, int *count, char *err, size_t errlen);
int hh_key_subkey_at(hh_key *key, int index, hh_key **out, char *err, size_t errlen);
const char *hh_key_name(hh_key *key);
const char *hh_key_path(hh_key *key);
const char *hh_key_class_name(hh_key *key); /* NULL when none */
uint64_t hh_key_last_write(hh_key *key);
int hh_key_value_count(hh_key *key, int *count, char *err, size_t errlen);
int hh_key_value_at(hh_key *key, int index, hh_value **out, char *err, size_t errlen);
int hh_key_value(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen);
int hh_key_is_recovered(hh_key *key);
hh_hive *hh_key_hive(hh_key *key);
void hh_key_free(hh_key **key);

const char *hh_value_name(hh_value *value);
uint32_t hh_value_type(hh_value *value);
int hh_value_data(hh_value *value, const uint8_t **data, size_t *len, char *err, size_t errlen);
void hh_value_free(hh_value **value);

/* Helpers over raw data. */
const char *hh_value_type_name(uint32_t type); /* "REG_SZ", "REG_UNKNOWN_0x..." static */
/* UTF-16LE to UTF-8, stopping at the first NUL code unit; lone surrogates
 * become U+FFFD. Returns a malloc'd string (caller frees), *outlen set. */
char *hh_utf16le_to_utf8(const uint8_t *data, size_t len, int stop_at_nul, size_t *outlen);
/* The same into out, which must hold len / 2 * 3 bytes; returns the length
 * (no terminating NUL is written). */
size_t hh_utf16le_to_utf8_into(const uint8_t *data, size_t len, int stop_at_nul, char *out);
/* FILETIME -> "YYYY-MM-DDTHH:MM:SSZ"; "" for 0. buf >= 32. */
const char *hh_filetime_iso(uint64_t ft, char *buf, size_t buflen);
/* FILETIME -> Unix seconds (floor). */
int64_t hh_filetime_unix(uint64_t ft);

#endif
