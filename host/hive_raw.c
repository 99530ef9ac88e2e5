/* The raw cell layer beside libregf: transaction log replay, damaged-tree
 * fallback and deleted-key recovery. Until it reads cells itself, every
 * entry point answers "not applicable" and says so where it matters. */
#include <stdio.h>

#include "raw.h"

int hh_hive_raw_replay(hh_hive *hive, char *err, size_t errlen)
{
    return hh_replay_logs(hive, err, errlen);
}

int hh_hive_raw_fallback(hh_hive *hive, char *err, size_t errlen) { (void)hive; (void)err; (void)errlen; return 0; }
int hh_hive_raw_root(hh_hive *hive, hh_key **out) { (void)hive; *out = NULL; return 0; }
int hh_key_raw_subkey(hh_key *parent, const char *name, hh_key **out) { (void)parent; (void)name; *out = NULL; return 0; }

static int no_raw(char *err, size_t errlen)
{
    snprintf(err, errlen, "raw key access is not available");
    return -1;
}
int hh_key_raw_subkey_by_name(hh_key *k, const char *n, hh_key **o, char *e, size_t l) { (void)k; (void)n; *o = NULL; return no_raw(e, l); }
int hh_key_raw_subkey_count(hh_key *k, int *c, char *e, size_t l) { (void)k; *c = 0; return no_raw(e, l); }
int hh_key_raw_subkey_at(hh_key *k, int i, hh_key **o, char *e, size_t l) { (void)k; (void)i; *o = NULL; return no_raw(e, l); }
int hh_key_raw_value_count(hh_key *k, int *c, char *e, size_t l) { (void)k; *c = 0; return no_raw(e, l); }
int hh_key_raw_value_at(hh_key *k, int i, hh_value **o, char *e, size_t l) { (void)k; (void)i; *o = NULL; return no_raw(e, l); }
int hh_key_raw_value_by_name(hh_key *k, const char *n, hh_value **o, char *e, size_t l) { (void)k; (void)n; *o = NULL; return no_raw(e, l); }
void hh_key_raw_free(hh_key *key) { (void)key; }
void hh_hive_raw_release(hh_hive *hive) { (void)hive; }

int hh_hive_deleted_key_count(hh_hive *hive) { (void)hive; return 0; }
int hh_hive_deleted_key_at(hh_hive *hive, int index, hh_key **out, char *err, size_t errlen)
{
    (void)hive; (void)index; *out = NULL;
    snprintf(err, errlen, "no deleted key %d", index);
    return -1;
}
