/* host/hive_lend.c shows libregf value cells without their data when
 * hivehunt reads that data itself. This walks fixture and corpus hives
 * twice, with and without lending, and requires the same keys, values,
 * data and errors from both, and lending to have happened on clean hives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive_internal.h"
#include "tap.h"

static int mismatches;

static void differ(const char *what, const char *path)
{
    if (mismatches++ < 10)
        printf("# differs: %s at '%s'\n", what, path);
}

static void compare_values(hh_key *a, hh_key *b)
{
    int na = 0, nb = 0;
    char ea[HH_ERRLEN] = "", eb[HH_ERRLEN] = "";
    int ra = hh_key_value_count(a, &na, ea, sizeof ea), rb = hh_key_value_count(b, &nb, eb, sizeof eb);
    if (ra != rb || na != nb || strcmp(ea, eb) != 0) {
        differ("value count", hh_key_path(a));
        return;
    }
    for (int i = 0; i < na; i++) {
        hh_value *va = NULL, *vb = NULL;
        ra = hh_key_value_at(a, i, &va, ea, sizeof ea);
        rb = hh_key_value_at(b, i, &vb, eb, sizeof eb);
        if (ra != rb || (ra != 1 && strcmp(ea, eb) != 0)) {
            differ("value read", hh_key_path(a));
        } else if (ra == 1) {
            const uint8_t *da, *db;
            size_t la, lb;
            ra = hh_value_data(va, &da, &la, ea, sizeof ea);
            rb = hh_value_data(vb, &db, &lb, eb, sizeof eb);
            if (strcmp(hh_value_name(va), hh_value_name(vb)) != 0 || hh_value_type(va) != hh_value_type(vb))
                differ("value name or type", hh_key_path(a));
            else if (ra != rb || (ra == 1 && (la != lb || (la && memcmp(da, db, la) != 0))) ||
                     (ra != 1 && strcmp(ea, eb) != 0))
                differ("value data", hh_key_path(a));
        }
        hh_value_free(&va);
        hh_value_free(&vb);
    }
}

static void compare_keys(hh_key *a, hh_key *b, int depth)
{
    if (strcmp(hh_key_path(a), hh_key_path(b)) != 0 || hh_key_last_write(a) != hh_key_last_write(b)) {
        differ("key", hh_key_path(a));
        return;
    }
    compare_values(a, b);
    int na = 0, nb = 0;
    char ea[HH_ERRLEN] = "", eb[HH_ERRLEN] = "";
    int ra = hh_key_subkey_count(a, &na, ea, sizeof ea), rb = hh_key_subkey_count(b, &nb, eb, sizeof eb);
    if (ra != rb || na != nb) {
        differ("subkey count", hh_key_path(a));
        return;
    }
    if (depth > 64)
        return;
    for (int i = 0; i < na; i++) {
        hh_key *sa = NULL, *sb = NULL;
        ra = hh_key_subkey_at(a, i, &sa, ea, sizeof ea);
        rb = hh_key_subkey_at(b, i, &sb, eb, sizeof eb);
        if (ra != rb || (ra != 1 && strcmp(ea, eb) != 0))
            differ("subkey read", hh_key_path(a));
        else if (ra == 1)
            compare_keys(sa, sb, depth + 1);
        hh_key_free(&sa);
        hh_key_free(&sb);
    }
}

/* 1 compared (*lent set), 0 not openable (skipped). */
static int compare_hive(const char *path, size_t *lent)
{
    hh_open_options with, without;
    hh_open_options_default(&with);
    hh_open_options_default(&without);
    without.no_lend = 1;
    hh_hive *a = NULL, *b = NULL;
    char ea[HH_ERRLEN], eb[HH_ERRLEN];
    int ra = hh_hive_open(path, &with, &a, ea, sizeof ea), rb = hh_hive_open(path, &without, &b, eb, sizeof eb);
    ok(ra == rb, "%s: opens the same way with and without lending", path);
    if (ra != 1 || rb != 1) {
        hh_hive_close(&a);
        hh_hive_close(&b);
        return 0;
    }
    *lent = a->nlent;
    ok(b->nlent == 0, "%s: nothing lent when lending is off", path);
    hh_key *ka = NULL, *kb = NULL;
    mismatches = 0;
    if (hh_key_open(a, NULL, "", &ka, ea, sizeof ea) == 1 && hh_key_open(b, NULL, "", &kb, eb, sizeof eb) == 1)
        compare_keys(ka, kb, 0);
    ok(mismatches == 0, "%s: every key, value and datum the same (%zu value cells lent)", path, *lent);
    ok(hh_hive_warning_count(a) == hh_hive_warning_count(b), "%s: the same warnings", path);
    hh_key_free(&ka);
    hh_key_free(&kb);
    hh_hive_close(&a);
    hh_hive_close(&b);
    return 1;
}

int main(void)
{
    const char *testdata = getenv("HH_TESTDATA"), *corpus = getenv("HH_CORPUS");
    static const char *fixtures[] = {"clean/SYSTEM", "demo/SYSTEM", "demo/SOFTWARE", "writer/features",
                                     "writer/features-v13", "writer/features-ri", "broken/lying-cell-size",
                                     "broken/truncated", "broken/subkey-cycle", "compromised/dirty"};
    static const char *real[] = {"regipy/SYSTEM", "regipy/SYSTEM_B", "regipy/corrupted_system_hive",
                                 "winevt-kb/SYSTEM_XP", "aiowinreg/SYSTEM", "aiowinreg/SOFTWARE",
                                 "hostile/libregf-nvalues-overflow.hive", "yarp/GarbageHive"};
    char path[4096];
    size_t lent = 0, clean_lent = 0;
    if (!testdata) {
        printf("1..0 # SKIP HH_TESTDATA not set\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", testdata, fixtures[i]);
        if (compare_hive(path, &lent) && strcmp(fixtures[i], "clean/SYSTEM") == 0)
            clean_lent = lent;
    }
    ok(clean_lent > 0, "the clean fixture's value data is lent (%zu cells)", clean_lent);
    for (size_t i = 0; corpus && i < sizeof real / sizeof real[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", corpus, real[i]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            printf("# %s absent: skipped\n", path);
            continue;
        }
        fclose(f);
        compare_hive(path, &lent);
    }
    return done_testing();
}
