/*
 * hh-mkhive: build a REGF hive from a fixture spec (testdata/README.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "generate.h"
#include "model.h"
#include "regf_write.h"
#include "spec.h"

static const char usage[] =
    "usage: hh-mkhive SPEC OUT [options]\n"
    "       hh-mkhive --generate-services N OUT [options]\n"
    "       hh-mkhive --dump-expected SPEC | --dump-expected --generate-services N\n"
    "       hh-mkhive --print-spec --generate-services N\n"
    "options:\n"
    "  --dirty                  primary and secondary sequence numbers differ\n"
    "  --version 1.3|1.5        hive format version (1.5: lh lists, db big data)\n"
    "  --ri-threshold N         most entries per subkey list before an ri index\n"
    "  --truncate N             keep only the first N bytes of the file\n"
    "  --bad-checksum           store a wrong base block checksum\n"
    "  --lie-cell-size PATH[=S] set the size field of PATH's nk cell to S\n"
    "                           (default -1048576: claims 1 MiB, past the bin)\n"
    "  --subkey-cycle PATH      PATH's subkey list also points at PATH itself\n";

typedef struct hostile_key { const char *path; int64_t size; int cycle; } hostile_key;

static int fail_usage(const char *msg)
{
    fprintf(stderr, "hh-mkhive: %s\n%s", msg, usage);
    return 2;
}

static int parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (!*s || *end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *pos[2] = { 0 };
    int npos = 0, dump = 0, print_spec = 0, dirty = 0;
    long long generate = -1, ri = -1, minor = -1;
    hw_write_options wopts = { .truncate_at = -1 };
    hostile_key hostile[32];
    size_t nhostile = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        long long v;
        if (strcmp(a, "--dirty") == 0) {
            dirty = 1;
        } else if (strcmp(a, "--bad-checksum") == 0) {
            wopts.bad_checksum = 1;
        } else if (strcmp(a, "--dump-expected") == 0) {
            dump = 1;
        } else if (strcmp(a, "--print-spec") == 0) {
            print_spec = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--generate-services") == 0) {
            if (!next || parse_long(next, 1, 1000000, &generate) < 0)
                return fail_usage("--generate-services needs a count (1..1000000)");
            i++;
        } else if (strcmp(a, "--ri-threshold") == 0) {
            if (!next || parse_long(next, 1, 65535, &ri) < 0)
                return fail_usage("--ri-threshold needs 1..65535");
            i++;
        } else if (strcmp(a, "--version") == 0) {
            if (!next || (strcmp(next, "1.3") != 0 && strcmp(next, "1.5") != 0))
                return fail_usage("--version is 1.3 or 1.5");
            minor = next[2] - '0';
            i++;
        } else if (strcmp(a, "--truncate") == 0) {
            if (!next || parse_long(next, 0, 0x7FFFFFFF, &v) < 0)
                return fail_usage("--truncate needs a byte count");
            wopts.truncate_at = v;
            i++;
        } else if (strcmp(a, "--lie-cell-size") == 0 || strcmp(a, "--subkey-cycle") == 0) {
            if (!next)
                return fail_usage("missing key path");
            if (nhostile == sizeof hostile / sizeof hostile[0])
                return fail_usage("too many hostile keys");
            hostile_key *hk = &hostile[nhostile++];
            hk->cycle = a[2] == 's';
            hk->size = -1048576;
            /* argv strings are writable: split PATH=SIZE in place. */
            char *copy = argv[i + 1];
            char *eq = hk->cycle ? NULL : strrchr(copy, '=');
            if (eq) {
                *eq = 0;
                if (parse_long(eq + 1, -0x7FFFFFFFLL - 1, 0x7FFFFFFF, &v) < 0 || v == 0)
                    return fail_usage("--lie-cell-size PATH=SIZE: SIZE is a non-zero int32");
                hk->size = v;
            }
            hk->path = copy;
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "hh-mkhive: unknown option %s\n", a);
            return 2;
        } else {
            if (npos == 2)
                return fail_usage("too many arguments");
            pos[npos++] = a;
        }
    }

    char err[600];
    hw_hive *h = hw_hive_new();
    int rc;
    const char *spec = NULL, *out = NULL;
    if (generate > 0) {
        size_t len;
        char *text = hw_generate_services_spec((unsigned)generate, &len);
        if (print_spec) {
            fwrite(text, 1, len, stdout);
            free(text);
            hw_hive_free(h);
            return 0;
        }
        if (dump ? npos != 0 : npos != 1)
            return fail_usage(dump ? "--dump-expected --generate-services N" : "--generate-services N OUT");
        out = dump ? NULL : pos[0];
        rc = hw_spec_load_text(h, text, len, "<generated>", NULL, err, sizeof err);
        free(text);
    } else {
        if (dump ? npos != 1 : npos != 2)
            return fail_usage(dump ? "--dump-expected SPEC" : "need SPEC and OUT");
        spec = pos[0];
        out = dump ? NULL : pos[1];
        rc = hw_spec_load_file(h, spec, err, sizeof err);
    }
    if (rc < 0) {
        fprintf(stderr, "hh-mkhive: %s\n", err);
        hw_hive_free(h);
        return 1;
    }
    if (dirty)
        h->dirty = 1;
    if (ri > 0)
        h->ri_threshold = (unsigned)ri;
    if (minor > 0)
        h->minor = (uint32_t)minor;
    for (size_t i = 0; i < nhostile; i++) {
        hw_key *k = hw_hive_lookup_ascii(h, hostile[i].path);
        if (!k) {
            fprintf(stderr, "hh-mkhive: no key %s in the spec\n", hostile[i].path);
            hw_hive_free(h);
            return 1;
        }
        if (hostile[i].cycle)
            k->self_cycle = 1;
        else
            k->lie_cell_size = hostile[i].size;
    }
    if (dump) {
        hw_dump_expected(h, stdout);
        hw_hive_free(h);
        return 0;
    }

    hw_image img;
    if (hw_regf_build(h, &wopts, &img, err, sizeof err) < 0) {
        fprintf(stderr, "hh-mkhive: %s\n", err);
        hw_hive_free(h);
        return 1;
    }
    hw_hive_free(h);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(img.bytes, 1, img.len, f) != img.len || fclose(f) != 0) {
        fprintf(stderr, "hh-mkhive: cannot write %s: %s\n", out, strerror(errno));
        free(img.bytes);
        return 1;
    }
    free(img.bytes);
    return 0;
}
