/* The raw cell layer on a small hand-built hostile hive: a damaged subkey
 * list (an out-of-range offset, a non-key cell), a key node with a garbage
 * name that names the root as parent, a self-nested index root, a value
 * whose data lies outside the hive, a damaged second bin, and deleted keys
 * in a free cell (one under a live key, one under a deleted key, one whose
 * parent link points at itself). Then thousands of seeded random mutations
 * of the same image, each opened and walked whole: the reader must neither
 * crash nor loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hive.h"
#include "hive_internal.h"
#include "util.h"

static int failures;
#define CHECK(cond, ...)                                                                                         \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                          \
            printf(__VA_ARGS__);                                                                                 \
            printf("\n");                                                                                        \
            failures++;                                                                                          \
        }                                                                                                        \
    } while (0)

#define BINS 8192u
static uint8_t img[4096 + BINS];
static uint8_t *bins = img + 4096;

static void cell(uint32_t off, int32_t size) { hh_put_le32(bins + off, (uint32_t)size); }

static void nk(uint32_t off, int32_t size, const char *name, uint16_t flags, uint32_t parent, uint32_t nsub,
               uint32_t sublist, uint32_t nvalues, uint32_t valuelist)
{
    cell(off, size);
    uint8_t *d = bins + off + 4;
    memcpy(d, "nk", 2);
    hh_put_le16(d + 2, (uint16_t)(flags | 0x20));
    hh_put_le32(d + 4, 0x5a0c0000u);
    hh_put_le32(d + 8, 0x01d30000u); /* a 2017 FILETIME */
    hh_put_le32(d + 16, parent);
    hh_put_le32(d + 20, nsub);
    hh_put_le32(d + 28, sublist);
    hh_put_le32(d + 32, 0xFFFFFFFFu);
    hh_put_le32(d + 36, nvalues);
    hh_put_le32(d + 40, valuelist);
    hh_put_le32(d + 44, 0xFFFFFFFFu);
    hh_put_le32(d + 48, 0xFFFFFFFFu);
    hh_put_le16(d + 72, (uint16_t)strlen(name));
    memcpy(d + 76, name, strlen(name));
}

static void vk(uint32_t off, int32_t size, const char *name, uint32_t type, uint32_t datasize, uint32_t dataoff)
{
    cell(off, size);
    uint8_t *d = bins + off + 4;
    memcpy(d, "vk", 2);
    hh_put_le16(d + 2, (uint16_t)strlen(name));
    hh_put_le32(d + 4, datasize);
    hh_put_le32(d + 8, dataoff);
    hh_put_le32(d + 12, type);
    hh_put_le16(d + 16, 1);
    memcpy(d + 20, name, strlen(name));
}

static void build(void)
{
    memset(img, 0, sizeof img);
    memcpy(img, "regf", 4);
    hh_put_le32(img + 4, 1);
    hh_put_le32(img + 8, 1);
    hh_put_le32(img + 20, 1);
    hh_put_le32(img + 24, 5);
    hh_put_le32(img + 32, 1);
    hh_put_le32(img + 36, 0x20);
    hh_put_le32(img + 40, BINS);
    hh_put_le32(img + 44, 1);
    memcpy(bins, "hbin", 4);
    hh_put_le32(bins + 8, 4096);
    /* root: 3 listed subkeys (one real, two bogus) */
    nk(0x20, -0x60, "ROOT", 0x04, 0, 3, 0x80, 0, 0xFFFFFFFFu);
    /* lh: Alpha, an offset past the hive, and the list's own cell */
    cell(0x80, -0x20);
    memcpy(bins + 0x84, "lh", 2);
    hh_put_le16(bins + 0x86, 3);
    hh_put_le32(bins + 0x88, 0x100);
    hh_put_le32(bins + 0x90, 0x7FFFFF00u);
    hh_put_le32(bins + 0x98, 0x80);
    cell(0xA0, 0x60); /* free filler */
    /* Alpha: one subkey through an index root that names itself */
    nk(0x100, -0x60, "Alpha", 0, 0x20, 1, 0x160, 0, 0xFFFFFFFFu);
    cell(0x160, -0x10);
    memcpy(bins + 0x164, "ri", 2);
    hh_put_le16(bins + 0x166, 1);
    hh_put_le32(bins + 0x168, 0x160);
    /* Beta: not in the damaged list, found by its parent link; 2 values */
    nk(0x170, -0x60, "Beta", 0, 0x20, 0, 0xFFFFFFFFu, 2, 0x300);
    /* a key node with a control-character name naming the root: garbage */
    nk(0x1D0, -0x60, "\x01\x02x", 0, 0x20, 0, 0xFFFFFFFFu, 0, 0xFFFFFFFFu);
    cell(0x230, 0xD0); /* free filler */
    /* value list: ImagePath (data in a cell), Broken (data outside the hive) */
    cell(0x300, -0x10);
    hh_put_le32(bins + 0x304, 0x310);
    hh_put_le32(bins + 0x308, 0x340);
    vk(0x310, -0x30, "ImagePath", 1, 8, 0x370);
    vk(0x340, -0x30, "Broken", 3, 64, 0x7FFFFFF0u);
    cell(0x370, -0x10);
    memcpy(bins + 0x374, "a\0b\0c\0\0\0", 8);
    /* one free cell holding three former cells with deleted key nodes */
    cell(0x380, 0x180);
    nk(0x380, 0x60, "Gamma", 0, 0x20, 1, 0xFFFFFFFFu, 0, 0xFFFFFFFFu);
    nk(0x3E0, 0x60, "Child", 0, 0x380, 0, 0xFFFFFFFFu, 0, 0xFFFFFFFFu);
    nk(0x440, 0x60, "Loop", 0, 0x440, 0, 0xFFFFFFFFu, 0, 0xFFFFFFFFu);
    cell(0x380, 0x180); /* the merged free cell's own size */
    cell(0x500, (int32_t)(4096 - 0x500)); /* free to the end of the bin */
    /* the second bin's header is garbage */
    memcpy(bins + 4096, "hbXn", 4);
    hh_put_le32(img + 508, hh_base_block_checksum(img));
}

static const char *write_image(const uint8_t *data, size_t len)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/hh-raw-test-%ld.hive", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        perror("write");
        exit(2);
    }
    fclose(f);
    return path;
}

static int has_warning(hh_hive *h, const char *needle)
{
    for (size_t i = 0; i < hh_hive_warning_count(h); i++)
        if (strstr(hh_hive_warning(h, i), needle))
            return 1;
    return 0;
}

static void check_structure(void)
{
    build();
    const char *path = write_image(img, sizeof img);
    hh_hive *h = NULL;
    char err[HH_ERRLEN];
    CHECK(hh_hive_open(path, NULL, &h, err, sizeof err) == 1, "open: %s", err);
    if (!h)
        return;
    CHECK(has_warning(h, "no valid bin header"), "damaged second bin reported");
    hh_key *root = NULL;
    CHECK(hh_key_open(h, NULL, "", &root, err, sizeof err) == 1, "root: %s", err);
    int n = -1;
    CHECK(hh_key_subkey_count(root, &n, err, sizeof err) == 1 && n == 2, "root has Alpha and Beta, got %d", n);
    const char *want[] = {"Alpha", "Beta"};
    for (int i = 0; i < n && i < 2; i++) {
        hh_key *k = NULL;
        CHECK(hh_key_subkey_at(root, i, &k, err, sizeof err) == 1, "subkey %d: %s", i, err);
        if (k) {
            CHECK(strcmp(hh_key_name(k), want[i]) == 0, "subkey %d is %s", i, hh_key_name(k));
            CHECK(!hh_key_is_recovered(k), "live key not marked recovered");
        }
        hh_key_free(&k);
    }
    CHECK(has_warning(h, "subkey list of '(root)' is damaged: 2 of 3"), "damaged list reported");
    hh_key *alpha = NULL;
    CHECK(hh_key_open(h, NULL, "alpha", &alpha, err, sizeof err) == 1, "alpha by name: %s", err);
    if (alpha) {
        CHECK(hh_key_subkey_count(alpha, &n, err, sizeof err) == 1 && n == 0, "self-nested ri yields nothing");
        hh_key_free(&alpha);
    }
    /* Beta is read raw (libregf never sees it): its values come from the
     * raw reader, which refuses data outside the hive. */
    hh_key *beta = NULL;
    CHECK(hh_key_open(h, NULL, "BETA", &beta, err, sizeof err) == 1, "Beta by name: %s", err);
    if (beta) {
        CHECK(hh_key_value_count(beta, &n, err, sizeof err) == 1 && n == 2, "two values");
        hh_value *v = NULL;
        CHECK(hh_key_value(beta, "imagepath", &v, err, sizeof err) == 1, "ImagePath: %s", err);
        if (v) {
            const uint8_t *d;
            size_t len;
            CHECK(hh_value_data(v, &d, &len, err, sizeof err) == 1 && len == 8 && memcmp(d, "a\0b\0c\0\0\0", 8) == 0,
                  "ImagePath data");
            hh_value_free(&v);
        }
        CHECK(hh_key_value(beta, "Broken", &v, err, sizeof err) == 1, "Broken is listed");
        if (v) {
            const uint8_t *d;
            size_t len;
            CHECK(hh_value_data(v, &d, &len, err, sizeof err) == -1, "data outside the hive is an error, not bytes");
            hh_value_free(&v);
        }
        hh_key_free(&beta);
    }
    hh_key_free(&root);

    int nd = hh_hive_deleted_key_count(h);
    CHECK(nd == 3, "three deleted keys, got %d", nd);
    const char *paths[] = {"Gamma", "Gamma\\Child", "<orphan>\\Loop"};
    for (int i = 0; i < nd && i < 3; i++) {
        hh_key *k = NULL;
        CHECK(hh_hive_deleted_key_at(h, i, &k, err, sizeof err) == 1, "deleted %d: %s", i, err);
        if (k) {
            CHECK(strcmp(hh_key_path(k), paths[i]) == 0, "deleted %d path %s", i, hh_key_path(k));
            CHECK(hh_key_is_recovered(k), "deleted key marked recovered");
            if (i == 0) {
                CHECK(hh_key_subkey_count(k, &n, err, sizeof err) == 1 && n == 1, "Gamma's recovered child");
            }
            if (i == 2) {
                CHECK(hh_key_subkey_count(k, &n, err, sizeof err) == 1 && n == 0, "Loop is not its own child");
            }
        }
        hh_key_free(&k);
    }
    hh_key *gone = NULL;
    CHECK(hh_key_open(h, NULL, "Gamma", &gone, err, sizeof err) == 0, "a deleted key is not reachable as live");
    hh_key_free(&gone);
    hh_hive_close(&h);
    if (!getenv("HH_RAW_KEEP"))
        unlink(path);
}

static void walk(hh_key *k, int depth, long *budget)
{
    char err[HH_ERRLEN];
    int n = 0;
    if (--*budget < 0 || depth > 64)
        return;
    if (hh_key_value_count(k, &n, err, sizeof err) == 1)
        for (int i = 0; i < n && i < 64; i++) {
            hh_value *v = NULL;
            if (hh_key_value_at(k, i, &v, err, sizeof err) == 1) {
                const uint8_t *d;
                size_t len;
                hh_value_data(v, &d, &len, err, sizeof err);
            }
            hh_value_free(&v);
        }
    if (hh_key_subkey_count(k, &n, err, sizeof err) == 1)
        for (int i = 0; i < n && i < 64; i++) {
            hh_key *s = NULL;
            if (hh_key_subkey_at(k, i, &s, err, sizeof err) == 1)
                walk(s, depth + 1, budget);
            hh_key_free(&s);
        }
}

static void check_mutations(void)
{
    static uint8_t m[sizeof img];
    uint32_t seed = 0x2545F491u;
    int opened = 0;
    for (int round = 0; round < 3000; round++) {
        build();
        memcpy(m, img, sizeof img);
        int flips = 1 + (int)(seed % 16);
        for (int f = 0; f < flips; f++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t at = 4096 + (seed >> 8) % (BINS / 2); /* the first, parsable bin */
            seed = seed * 1103515245u + 12345u;
            m[at] = (uint8_t)(seed >> 16);
        }
        /* Sometimes point the root elsewhere, so raw root search runs too. */
        if (round % 7 == 0)
            hh_put_le32(m + 36, (seed >> 4) % BINS);
        hh_put_le32(m + 508, hh_base_block_checksum(m));
        const char *path = write_image(m, sizeof m);
        hh_hive *h = NULL;
        char err[HH_ERRLEN];
        if (hh_hive_open(path, NULL, &h, err, sizeof err) != 1)
            continue;
        opened++;
        hh_key *root = NULL;
        long budget = 5000;
        if (hh_key_open(h, NULL, "", &root, err, sizeof err) == 1)
            walk(root, 0, &budget);
        hh_key_free(&root);
        int nd = hh_hive_deleted_key_count(h);
        for (int i = 0; i < nd && i < 100; i++) {
            hh_key *k = NULL;
            budget = 500;
            if (hh_hive_deleted_key_at(h, i, &k, err, sizeof err) == 1)
                walk(k, 0, &budget);
            hh_key_free(&k);
        }
        hh_hive_close(&h);
        unlink(path);
    }
    CHECK(opened > 1000, "most mutants still open (%d)", opened);
}

int main(void)
{
    check_structure();
    check_mutations();
    if (failures == 0)
        printf("ok: raw cell layer on a hostile hand-built hive and its mutants\n");
    return failures ? 1 : 0;
}
