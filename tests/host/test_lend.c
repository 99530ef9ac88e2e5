/* host/hive/lend.c shows libregf value cells without their data when
 * hivehunt reads that data itself. This walks fixture and corpus hives
 * twice, with and without lending, and requires the same keys, values,
 * data and errors from both, and lending to have happened on clean hives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive_internal.h"
#include "tap.h"

static int mismatches;
static size_t last_split; /* view patches splitting large bins, of the last hive compared */

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
    const char *ca = hh_key_class_name(a), *cb = hh_key_class_name(b);
    if ((ca == NULL) != (cb == NULL) || (ca && strcmp(ca, cb) != 0))
        differ("class name", hh_key_path(a));
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

/* 1 compared (*lent set), 0 not openable (skipped). From memory when
 * image is given, else from the file. */
static int compare_hive_image(const char *path, const uint8_t *image, size_t size, size_t *lent)
{
    hh_open_options with, without;
    hh_open_options_default(&with);
    hh_open_options_default(&without);
    without.no_lend = 1;
    hh_hive *a = NULL, *b = NULL;
    char ea[HH_ERRLEN], eb[HH_ERRLEN];
    int ra = image ? hh_hive_open_memory(path, image, size, &with, &a, ea, sizeof ea)
                   : hh_hive_open(path, &with, &a, ea, sizeof ea);
    int rb = image ? hh_hive_open_memory(path, image, size, &without, &b, eb, sizeof eb)
                   : hh_hive_open(path, &without, &b, eb, sizeof eb);
    ok(ra == rb, "%s: opens the same way with and without lending", path);
    if (ra != 1 || rb != 1) {
        hh_hive_close(&a);
        hh_hive_close(&b);
        return 0;
    }
    *lent = a->nlent;
    last_split = a->nsplit;
    ok(b->nlent == 0 && b->nsplit == 0, "%s: nothing lent when lending is off", path);
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

static int compare_hive(const char *path, size_t *lent) { return compare_hive_image(path, NULL, 0, lent); }

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Value cells with data in a cell of their own, and key cells, of a clean
 * fixture (its cells walked bin by bin). */
static size_t find_cells(const uint8_t *img, size_t size, const char sig[2], uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t pos = 4096; pos + 32 <= size && memcmp(img + pos, "hbin", 4) == 0;) {
        uint32_t bin = le32(img + pos + 8);
        if (bin < 4096 || bin > size - pos)
            break;
        for (size_t c = pos + 32; c + 8 <= pos + bin && n < max;) {
            int32_t raw = (int32_t)le32(img + c);
            uint32_t len = raw < 0 ? (uint32_t)-raw : (uint32_t)raw;
            if (len < 8 || len > pos + bin - c)
                break;
            if (raw < 0 && len >= (sig[0] == 'v' ? 0x18u : 0x54u) && img[c + 4] == (uint8_t)sig[0] && img[c + 5] == (uint8_t)sig[1] &&
                (sig[0] != 'v' || !(le32(img + c + 8) & 0x80000000u)))
                out[n++] = (uint32_t)(c - 4096);
            c += len;
        }
        pos += bin;
    }
    return n;
}

/* A hive where libregf reads lent value cells as plain bytes: a value's
 * data that points at another value's cell (and is too long to be read
 * directly), and a key's class name that does. Lending must then leave
 * those cells alone. */
static void test_raw_reads_of_value_cells(const char *testdata)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/clean/SYSTEM", testdata);
    FILE *f = fopen(path, "rb");
    static uint8_t img[1 << 22];
    size_t size = f ? fread(img, 1, sizeof img, f) : 0;
    if (f)
        fclose(f);
    uint32_t vks[16], nks[4];
    size_t nv = find_cells(img, size, "vk", vks, 16), nn = find_cells(img, size, "nk", nks, 4);
    if (!ok(nv >= 3 && nn >= 2, "the clean fixture has value cells with data and key cells"))
        return;
    uint8_t *w = img + 4096 + vks[0] + 4, *v = img + 4096 + vks[1];
    uint32_t v_payload = (uint32_t)-(int32_t)le32(v) - 4;
    put_le32(w + 8, vks[1]);            /* data offset: the other value's cell */
    put_le32(w + 4, v_payload + 8);     /* longer than that cell holds */
    uint8_t *nk = img + 4096 + nks[1] + 4;
    put_le32(nk + 0x30, vks[2]);        /* class name: a third value's cell */
    nk[0x4A] = 16;
    nk[0x4B] = 0;
    size_t lent = 0;
    compare_hive_image("clean/SYSTEM with value cells read as bytes", img, size, &lent);
}

/* A clean hive (every bin and cell well formed) takes the census path of
 * defuse: a self-nested index root planted in a data cell must still be
 * found and neutralised. */
static void test_defuse_from_census(const char *testdata)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/clean/SYSTEM", testdata);
    FILE *f = fopen(path, "rb");
    static uint8_t img[1 << 22];
    size_t size = f ? fread(img, 1, sizeof img, f) : 0;
    if (f)
        fclose(f);
    uint32_t vks[4];
    if (!ok(find_cells(img, size, "vk", vks, 4) >= 1, "the clean fixture has a value with a data cell"))
        return;
    uint32_t data = le32(img + 4096 + vks[0] + 4 + 8);
    uint8_t *cell = img + 4096 + data;
    if (!ok((int32_t)le32(cell) <= -16, "its data cell holds an index root's header and one entry"))
        return;
    memcpy(cell + 4, "ri\x01\x00", 4);
    put_le32(cell + 8, data); /* the one entry: itself */
    hh_hive *h = NULL;
    char err[HH_ERRLEN];
    int rc = hh_hive_open_memory("clean/SYSTEM with a self-nested index root", img, size, NULL, &h, err, sizeof err);
    int warned = 0;
    for (size_t i = 0; h && i < hh_hive_warning_count(h); i++)
        warned |= strstr(hh_hive_warning(h, i), "nested index root") != NULL;
    ok(rc == 1 && warned, "a self-nested index root in a clean hive is found and ignored");
    ok(rc == 1 && le32(h->data + 4096 + data + 8) == 0xFFFFFFFFu, "its reference is cut in the image libregf reads");
    hh_hive_close(&h);
}

/* A bin is shown split only when nothing libregf reads points into the
 * cells over its page boundaries: a key whose class name points where the
 * view would put a filler cell (inside a lent value's data) must keep that
 * bin whole, else libregf would find a cell there that the hive lacks. */
static void test_pointer_into_split_cell(const char *corpus)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/regipy/SYSTEM", corpus);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("# %s absent: skipped\n", path);
        return;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *img = len > 0 ? malloc((size_t)len) : NULL;
    size_t size = img ? fread(img, 1, (size_t)len, f) : 0;
    fclose(f);
    hh_hive *h = NULL;
    char err[HH_ERRLEN];
    uint64_t filler = 0;
    size_t before = 0;
    if (size && hh_hive_open_memory(path, img, size, NULL, &h, err, sizeof err) == 1) {
        before = h->nsplit;
        for (size_t i = 0; i < h->nsplit && !filler; i++)
            if (h->split[i].len == 36) /* a bin header and the filler cell after it */
                filler = h->split[i].off + 32;
    }
    hh_hive_close(&h);
    uint32_t nks[2];
    if (ok(filler && find_cells(img, size, "nk", nks, 2) == 2, "the Win7 hive's view has a filler cell, and keys")) {
        uint8_t *nk = img + 4096 + nks[1] + 4;
        put_le32(nk + 0x30, (uint32_t)(filler - 4096)); /* class name: the filler's offset */
        nk[0x4A] = 8;
        nk[0x4B] = 0;
        size_t lent = 0;
        compare_hive_image("regipy/SYSTEM with a class name inside a split cell", img, size, &lent);
        ok(last_split < before, "the bin it points into is shown whole (%zu of %zu patches left)", last_split, before);
    }
    free(img);
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
    test_raw_reads_of_value_cells(testdata);
    test_defuse_from_census(testdata);
    if (corpus)
        test_pointer_into_split_cell(corpus);
    for (size_t i = 0; corpus && i < sizeof real / sizeof real[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", corpus, real[i]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            printf("# %s absent: skipped\n", path);
            continue;
        }
        fclose(f);
        compare_hive(path, &lent);
        if (strcmp(real[i], "regipy/SYSTEM") == 0)
            ok(last_split > 0, "%s: its 16 KB bins are shown to libregf as 4 KB bins (%zu patches)", path, last_split);
    }
    return done_testing();
}
