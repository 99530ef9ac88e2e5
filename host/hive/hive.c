/* Layer: hive, the opener and libregf view. May call: image.c, guard.c,
 * lend.c, raw.c, cells.c, lifetime.c, user.c, base, libregf, libbfio. */
/* Hive opening and the key/value view: see hive.h. */
#include "hive.h"
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libbfio.h>
#include <libregf.h>

#include "cells.h"
#include "hive_internal.h"
#include "image.h"
#include "regf_format.h"
#include "util.h"

/* A single value's data; Windows caps values near 1 MB in practice. */
#define HH_VALUE_MAX_BYTES ((size_t)64 << 20)

static void regf_error_text(libregf_error_t **error, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    buf[0] = '\0';
    if (error && *error) {
        char tmp[1024];
        if (libregf_error_sprint(*error, tmp, sizeof tmp) > 0) {
            /* libregf prints one message per line; keep the first, which names
             * the operation, and fold the rest away. */
            char *nl = strchr(tmp, '\n');
            if (nl)
                *nl = '\0';
            snprintf(buf, len, "%s", tmp);
        }
        libregf_error_free(error);
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "libregf error");
}

/* err = "<what>: <libregf's reason>", freeing the libregf error. */
static void regf_fail(libregf_error_t **e, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void regf_fail(libregf_error_t **e, char *err, size_t errlen, const char *fmt, ...)
{
    char what[HH_ERRLEN], why[HH_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    regf_error_text(e, why, sizeof why);
    snprintf(err, errlen, "%s: %s", what, why);
}

static void bfio_error_drop(libbfio_error_t **error)
{
    if (error && *error)
        libbfio_error_free(error);
}

int hh_reader_parse(const char *name)
{
    if (strcmp(name, "cells") == 0)
        return HH_READER_CELLS;
    if (strcmp(name, "libregf") == 0)
        return HH_READER_LIBREGF;
    return -1;
}

void hh_open_options_default(hh_open_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->replay = 1;
    opts->recover = 1;
}

const char *hh_hive_kind_name(int kind)
{
    switch (kind) {
    case HH_HIVE_SYSTEM: return "SYSTEM";
    case HH_HIVE_SOFTWARE: return "SOFTWARE";
    case HH_HIVE_NTUSER: return "NTUSER";
    case HH_HIVE_SAM: return "SAM";
    case HH_HIVE_SECURITY: return "SECURITY";
    default: return "OTHER";
    }
}

const hh_hive_info *hh_hive_get_info(const hh_hive *hive) { return &hive->info; }


/* Validates the base block and fills info. Damage that libregf refuses but a
 * careful reader can work around is repaired in the in-memory copy (never in
 * the evidence file) and reported as a warning. */
static int check_base_block(hh_hive *hive, char *err, size_t errlen)
{
    const uint8_t *b = hive->data;
    if (hive->size < 4 || memcmp(b, "regf", 4) != 0) {
        snprintf(err, errlen, "not a registry hive (no regf signature)");
        return -1;
    }
    if (hive->size < HH_BASE_BLOCK_SIZE) {
        snprintf(err, errlen, "not a registry hive (%zu bytes, smaller than a base block)", hive->size);
        return -1;
    }
    hh_hive_info *in = &hive->info;
    in->seq_primary = hh_le32(b + 4);
    in->seq_secondary = hh_le32(b + 8);
    in->last_written = hh_le64(b + 12);
    in->major = hh_le32(b + 20);
    in->minor = hh_le32(b + 24);
    in->dirty = in->seq_primary != in->seq_secondary;
    size_t nlen = 0;
    char *name = hh_utf16le_to_utf8(b + 48, 64, 1, &nlen);
    if (name) {
        snprintf(in->embedded_name, sizeof in->embedded_name, "%s", name);
        free(name);
    }
    uint32_t file_type = hh_le32(b + 28);
    if (file_type != 0) {
        snprintf(err, errlen, "a transaction log or alternate file (base block file type %u), not a primary hive",
                 file_type);
        return -1;
    }
    if (in->major != 1) {
        snprintf(err, errlen, "not a registry hive (unsupported format version %u.%u)", in->major, in->minor);
        return -1;
    }
    uint32_t stored = hh_le32(b + 508);
    uint32_t computed = hh_base_block_checksum(b);
    if (stored != computed) {
        hh_hive_warn(hive, "base block checksum mismatch (stored 0x%08x, computed 0x%08x); reading anyway",
                     stored, computed);
        hive->base_block_bad = 1;
        hh_put_le32(hive->data + 508, computed);
    }
    uint32_t bins = hh_le32(b + 40);
    size_t available = hive->size - HH_BASE_BLOCK_SIZE;
    if (bins == 0 || bins % 4096 != 0 || bins > available) {
        size_t usable = available - available % 4096;
        if (usable == 0) {
            snprintf(err, errlen, "truncated hive (no hive bins after the base block)");
            return -1;
        }
        hh_hive_warn(hive, "hive bins size %u does not fit the file (%zu bytes of bins present); "
                     "reading the %zu bytes present", bins, available, usable);
        hh_put_le32(hive->data + 40, (uint32_t)usable);
        hh_put_le32(hive->data + 508, hh_base_block_checksum(hive->data));
    }
    return 1;
}

/* ---- kind detection ----------------------------------------------------- */

static int has_prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int detect_kind(hh_hive *hive, hh_key *root)
{
    int count = 0;
    char err[HH_ERRLEN];
    int has_select = 0, has_controlset = 0, has_microsoft = 0, has_classes = 0, has_software = 0;
    int has_environment = 0, has_sam = 0, has_policy = 0, has_rxact = 0, has_domains = 0;
    if (hh_key_subkey_count(root, &count, err, sizeof err) == 1) {
        for (int i = 0; i < count && i < 4096; i++) {
            hh_key *k = NULL;
            if (hh_key_subkey_at(root, i, &k, err, sizeof err) != 1)
                continue;
            const char *n = hh_key_name(k);
            if (strcasecmp(n, "Select") == 0) has_select = 1;
            else if (has_prefix_ci(n, "ControlSet") && strlen(n) == 13) has_controlset = 1;
            else if (strcasecmp(n, "Microsoft") == 0) has_microsoft = 1;
            else if (strcasecmp(n, "Classes") == 0 || strcasecmp(n, "Clients") == 0) has_classes = 1;
            else if (strcasecmp(n, "Software") == 0) has_software = 1;
            else if (strcasecmp(n, "Environment") == 0 || strcasecmp(n, "Control Panel") == 0 ||
                     strcasecmp(n, "Console") == 0 || strcasecmp(n, "Keyboard Layout") == 0) has_environment = 1;
            else if (strcasecmp(n, "SAM") == 0) has_sam = 1;
            else if (strcasecmp(n, "Policy") == 0) has_policy = 1;
            else if (strcasecmp(n, "RXACT") == 0) has_rxact = 1;
            hh_key_free(&k);
        }
    }
    if (has_sam) {
        hh_key *d = NULL;
        if (hh_key_open(hive, root, "SAM\\Domains", &d, err, sizeof err) == 1)
            has_domains = 1;
        hh_key_free(&d);
    }
    if (has_controlset || (has_select && !has_software))
        return HH_HIVE_SYSTEM;
    if (has_policy && (has_rxact || has_sam))
        return HH_HIVE_SECURITY;
    if (has_domains)
        return HH_HIVE_SAM;
    if (has_software && has_environment)
        return HH_HIVE_NTUSER;
    if (has_microsoft && (has_classes || count > 2))
        return HH_HIVE_SOFTWARE;
    /* Fall back to the name Windows wrote into the base block. */
    const char *emb = hive->info.embedded_name;
    const char *slash = strrchr(emb, '\\');
    const char *base = slash ? slash + 1 : emb;
    if (strcasecmp(base, "SYSTEM") == 0) return HH_HIVE_SYSTEM;
    if (strcasecmp(base, "SOFTWARE") == 0) return HH_HIVE_SOFTWARE;
    if (strcasecmp(base, "SAM") == 0) return HH_HIVE_SAM;
    if (strcasecmp(base, "SECURITY") == 0) return HH_HIVE_SECURITY;
    if (strcasecmp(base, "ntuser.dat") == 0) return HH_HIVE_NTUSER;
    if (has_software)
        return HH_HIVE_NTUSER;
    return HH_HIVE_OTHER;
}

/* ---- open / close --------------------------------------------------------- */

static int open_libregf(hh_hive *hive, const hh_cell_census *census, char *err, size_t errlen)
{
    /* libregf sees whole 4 KB pages only: a trailing partial page cannot
     * hold a hive bin, and with one libbfio's memory range read past the
     * end of the image (ASan, found by fuzz_hive: a 57345-byte hive). */
    libbfio_error_t *berr = NULL;
    libregf_error_t *rerr = NULL;
    size_t pages = hive->size - hive->size % HH_BASE_BLOCK_SIZE;
    if (!hive->opts.no_lend && hh_hive_lend_values(hive, census) == 1) {
        if (hh_hive_lend_handle(hive, pages, &hive->bfio) != 1) {
            snprintf(err, errlen, "cannot set up an in-memory reader");
            return -1;
        }
    } else if (libbfio_memory_range_initialize(&hive->bfio, &berr) != 1 ||
               libbfio_memory_range_set(hive->bfio, hive->data, pages, &berr) != 1) {
        bfio_error_drop(&berr);
        snprintf(err, errlen, "cannot set up an in-memory reader");
        return -1;
    }
    if (libregf_file_initialize(&hive->file, &rerr) != 1) {
        regf_error_text(&rerr, err, errlen);
        return -1;
    }
    if (libregf_file_open_file_io_handle(hive->file, hive->bfio, LIBREGF_OPEN_READ, &rerr) != 1) {
        char why[HH_ERRLEN];
        regf_error_text(&rerr, why, sizeof why);
        snprintf(err, errlen, "libregf cannot open it: %s", why);
        libregf_file_free(&hive->file, NULL);
        return -1;
    }
    return 1;
}

static hh_hive *hive_new(const char *path, const hh_open_options *opts, char *err, size_t errlen)
{
    hh_hive *hive = calloc(1, sizeof *hive);
    hh_open_options defaults;
    if (!opts) {
        hh_open_options_default(&defaults);
        opts = &defaults;
    }
    if (hive)
        hive->path = hh_strdup(path);
    if (!hive || !hive->path) {
        free(hive);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    hive->refs = 1; /* the opener's: a failed open or hh_hive_close drops it */
    hive->info.path = hive->path;
    hive->opts = *opts;
    return hive;
}

/* Everything after the bytes are in hive->data: takes ownership of hive
 * and releases it on failure. */
static int hive_open_image(hh_hive *hive, hh_hive **out, char *err, size_t errlen);

int hh_hive_open(const char *path, const hh_open_options *opts, hh_hive **out, char *err, size_t errlen)
{
    *out = NULL;
    hh_hive *hive = hive_new(path, opts, err, errlen);
    if (!hive)
        return -1;
    if (hh_hive_load_image(hive, path, err, errlen) != 1) {
        hh_hive_unref(hive);
        return -1;
    }
    return hive_open_image(hive, out, err, errlen);
}

int hh_hive_open_memory(const char *name, const uint8_t *data, size_t len, const hh_open_options *opts,
                        hh_hive **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len == 0) {
        snprintf(err, errlen, "empty file");
        return -1;
    }
    if (len > HH_HIVE_MAX_BYTES) {
        snprintf(err, errlen, "file too large for a hive (%zu bytes)", len);
        return -1;
    }
    hh_hive *hive = hive_new(name, opts, err, errlen);
    if (!hive)
        return -1;
    /* A private copy: the base block is repaired in place. */
    hive->data = malloc(len);
    if (!hive->data) {
        snprintf(err, errlen, "out of memory reading %zu bytes", len);
        hh_hive_unref(hive);
        return -1;
    }
    memcpy(hive->data, data, len);
    hive->size = len;
    return hive_open_image(hive, out, err, errlen);
}

static int hive_open_image(hh_hive *hive, hh_hive **out, char *err, size_t errlen)
{
    const hh_open_options *opts = &hive->opts;
    if (check_base_block(hive, err, errlen) != 1)
        goto fail;
    hive->info.size = hive->size;
    if (opts->replay && hh_hive_raw_replay(hive, err, errlen) < 0)
        goto fail;
    hh_cell_census census;
    hh_hive_guard_reader(hive, &census);
    hh_hive_raw_defuse(hive, &census);
    int opened = open_libregf(hive, &census, err, errlen);
    /* The deleted-key scan (recover.c) looks at these cells only. */
    hive->free_cells_known = census.clean;
    /* The cells reader takes a hive libregf opened whose cells are all
     * well formed; any other keeps libregf's (and the raw layer's) path. */
    hive->cells = opened == 1 && census.clean && opts->reader == HH_READER_CELLS;
    if (hive->cells) {
        hive->cell_starts = census.cells;
        hive->ncell_bytes = census.nbins_bytes;
        census.cells = NULL;
    }
    hive->free_cells = census.frees;
    hive->nfree_cells = census.nfrees;
    census.frees = NULL;
    hh_cell_census_free(&census);
    if (opened != 1) {
        /* libregf refuses some damaged hives outright; the raw layer may
         * still read them. */
        if (!(opts->recover && hh_hive_raw_fallback(hive, err, errlen) == 1))
            goto fail;
    }
    hh_key *root = NULL;
    char rerr[HH_ERRLEN];
    if (hh_key_open(hive, NULL, "", &root, rerr, sizeof rerr) != 1) {
        snprintf(err, errlen, "cannot read the root key: %s", rerr);
        goto fail;
    }
    snprintf(hive->info.root_name, sizeof hive->info.root_name, "%s", hh_key_name(root));
    hive->info.kind = detect_kind(hive, root);
    if (hive->info.kind == HH_HIVE_NTUSER)
        hh_hive_user_guess(hive->info.path, hive->info.embedded_name, hive->info.user, sizeof hive->info.user);
    hh_key_free(&root);
    *out = hive;
    return 1;
fail:
    hh_hive_unref(hive);
    return -1;
}

void hh_hive_close(hh_hive **hive)
{
    if (!hive || !*hive)
        return;
    (*hive)->closed = 1;
    hh_hive_unref(*hive);
    *hive = NULL;
}

/* ---- keys ------------------------------------------------------------------ */

static int closed_error(hh_hive *hive, char *err, size_t errlen)
{
    if (hive->closed) {
        snprintf(err, errlen, "hive is closed");
        return 1;
    }
    return 0;
}

/* The name of the key or value cell libregf found at file offset off (its
 * "nk"/"vk" signature, as libregf_*_get_offset reports it), copied straight
 * from the image when it is stored as 8-bit text of ASCII characters only:
 * libregf would decode those bytes to the same UTF-8 (every codepage agrees
 * below 0x80), at a few thousand instructions per name. NULL leaves the name
 * to libregf: wide or codepage names, NULs, anything out of bounds. */
static char *ascii_cell_name(const hh_hive *hive, off64_t off, const char sig[2], size_t len_at,
                             size_t name_at, size_t flags_at, uint16_t ascii_flag)
{
    if (off < HH_BASE_BLOCK_SIZE + 4 || (uint64_t)off + name_at > hive->size)
        return NULL;
    const uint8_t *cell = hive->data + off;
    if (cell[0] != (uint8_t)sig[0] || cell[1] != (uint8_t)sig[1] || !(hh_le16(cell + flags_at) & ascii_flag))
        return NULL;
    int32_t cell_size = (int32_t)hh_le32(cell - 4);
    size_t len = hh_le16(cell + len_at);
    /* Inside an allocated cell and inside the image. */
    if (cell_size >= 0 || (uint64_t)(-(int64_t)cell_size) < 4 + name_at + len ||
        (uint64_t)off + name_at + len > hive->size)
        return NULL;
    const uint8_t *name = cell + name_at;
    return hh_cells_simple_text(name, (uint32_t)len, 1) ? hh_cells_text_copy(name, (uint32_t)len, 1) : NULL;
}

static char *key_utf8_name(hh_hive *hive, libregf_key_t *lk)
{
    size_t size = 0;
    libregf_error_t *e = NULL;
    off64_t cell_off = 0;
    if (libregf_key_get_offset(lk, &cell_off, NULL) == 1) {
        char *fast = ascii_cell_name(hive, cell_off, "nk", HH_NK_NAME_LENGTH, HH_NK_NAME, HH_NK_FLAGS, HH_NK_COMP_NAME);
        if (fast)
            return fast;
    }
    if (libregf_key_get_utf8_name_size(lk, &size, &e) == 1 && size > 0 && size < 65536) {
        char *name = malloc(size);
        if (name && libregf_key_get_utf8_name(lk, (uint8_t *)name, size, &e) == 1) {
            name[size - 1] = '\0';
            return name;
        }
        free(name);
    }
    if (e)
        libregf_error_free(&e);
    /* Invalid UTF-16 in a name: decode the raw UTF-16 ourselves, with
     * replacement characters, so the key is still reported. */
    if (libregf_key_get_utf16_name_size(lk, &size, &e) == 1 && size > 0 && size < 32768) {
        uint16_t *u = calloc(size, sizeof *u);
        if (u && libregf_key_get_utf16_name(lk, u, size, &e) == 1) {
            uint8_t *bytes = malloc(size * 2);
            if (bytes) {
                for (size_t i = 0; i < size; i++)
                    hh_put_le16(bytes + 2 * i, u[i]);
                size_t outlen;
                char *name = hh_utf16le_to_utf8(bytes, size * 2, 1, &outlen);
                free(bytes);
                free(u);
                if (name)
                    return name;
            } else {
                free(u);
            }
        } else {
            free(u);
        }
    }
    if (e)
        libregf_error_free(&e);
    off64_t off = 0;
    libregf_key_get_offset(lk, &off, NULL);
    hh_hive_warn(hive, "a key name at offset 0x%llx could not be decoded", (unsigned long long)off);
    char buf[64];
    snprintf(buf, sizeof buf, "<undecodable name @0x%llx>", (unsigned long long)off);
    return hh_strdup(buf);
}

hh_key *hh_key_wrap(hh_hive *hive, libregf_key_t *lk, const char *parent_path)
{
    hh_key *k = calloc(1, sizeof *k);
    if (!k) {
        libregf_key_free(&lk, NULL);
        return NULL;
    }
    k->hive = hive;
    k->lk = lk;
    k->name = key_utf8_name(hive, lk);
    if (!k->name)
        k->name = hh_strdup("");
    if (parent_path == NULL)
        k->path = hh_strdup("");
    else if (parent_path[0] == '\0')
        k->path = hh_strdup(k->name);
    else
        k->path = hh_join3(parent_path, "\\", k->name);
    uint64_t ft = 0;
    if (libregf_key_get_last_written_time(lk, &ft, NULL) == 1)
        k->last_write = ft;
    hh_hive_ref(hive);
    if (!k->path) {
        hh_key_free(&k);
        return NULL;
    }
    return k;
}

int hh_key_open(hh_hive *hive, hh_key *base, const char *path, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    if (closed_error(hive, err, errlen))
        return -1;
    /* cur is borrowed from the caller while it is base, owned afterwards. */
    hh_key *cur = NULL;
    int owned = 0;
    if (base) {
        cur = base;
    } else {
        int rc = hh_hive_root_key(hive, &cur, err, errlen);
        if (rc != 1)
            return rc;
        owned = 1;
    }
    const char *p = path ? path : "";
    while (*p) {
        while (*p == '\\')
            p++;
        const char *end = strchr(p, '\\');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0)
            break;
        char comp[1024];
        if (n >= sizeof comp) {
            if (owned)
                hh_key_free(&cur);
            return 0; /* no key name is that long */
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        hh_key *next = NULL;
        int rc = hh_key_subkey(cur, comp, &next, err, errlen);
        if (owned)
            hh_key_free(&cur);
        if (rc != 1)
            return rc;
        cur = next;
        owned = 1;
        p += n;
    }
    if (!owned) {
        /* The caller asked for base itself: hand out an independent copy. */
        return hh_key_open(hive, NULL, base->path, out, err, errlen);
    }
    *out = cur;
    return 1;
}

int hh_hive_root_key(hh_hive *hive, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    if (closed_error(hive, err, errlen))
        return -1;
    if (hive->cells && hh_cells_root(hive, out) == 1)
        return 1;
    return hh_hive_libregf_root(hive, out, err, errlen);
}

int hh_hive_libregf_root(hh_hive *hive, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    if (hive->file) {
        libregf_key_t *lk = NULL;
        libregf_error_t *e = NULL;
        int rc = libregf_file_get_root_key(hive->file, &lk, &e);
        if (rc == 1) {
            *out = hh_key_wrap(hive, lk, NULL);
            if (!*out) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            return 1;
        }
        if (rc == 0)
            snprintf(err, errlen, "hive has no root key");
        else
            regf_error_text(&e, err, errlen);
    } else {
        snprintf(err, errlen, "hive has no readable root key");
    }
    /* libregf gives up at a damaged root; the raw layer may not. */
    if (hive->opts.recover && hh_hive_raw_root(hive, out) == 1)
        return 1;
    return -1;
}

int hh_key_subkey(hh_key *key, const char *name, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    if (closed_error(key->hive, err, errlen))
        return -1;
    if (key->cells)
        return hh_cells_subkey(key, name, out, err, errlen);
    if (key->lk) {
        libregf_key_t *sub = NULL;
        libregf_error_t *e = NULL;
        int rc = libregf_key_get_sub_key_by_utf8_name(key->lk, (const uint8_t *)name, strlen(name), &sub, &e);
        if (rc == 1) {
            *out = hh_key_wrap(key->hive, sub, key->path);
            if (!*out) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            return 1;
        }
        if (rc == 0)
            return 0;
        char why[HH_ERRLEN];
        regf_error_text(&e, why, sizeof why);
        /* A damaged subkey list: the raw layer reads the list and the key
         * nodes that name this key as parent, and knows a child is absent. */
        if (key->hive->opts.recover) {
            int raw = hh_key_raw_subkey(key, name, out);
            if (raw >= 0)
                return raw;
        }
        snprintf(err, errlen, "cannot read subkeys of '%s': %s", key->path, why);
        return -1;
    }
    return hh_key_raw_subkey_by_name(key, name, out, err, errlen);
}

int hh_key_subkey_count(hh_key *key, int *count, char *err, size_t errlen)
{
    *count = 0;
    if (closed_error(key->hive, err, errlen))
        return -1;
    if (key->cells)
        return hh_cells_subkey_count(key, count, err, errlen);
    if (key->lk) {
        libregf_error_t *e = NULL;
        if (libregf_key_get_number_of_sub_keys(key->lk, count, &e) != 1) {
            regf_fail(&e, err, errlen, "cannot count subkeys of '%s'", key->path);
            return -1;
        }
        return 1;
    }
    return hh_key_raw_subkey_count(key, count, err, errlen);
}

int hh_key_subkey_at(hh_key *key, int index, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    if (closed_error(key->hive, err, errlen))
        return -1;
    if (key->cells)
        return hh_cells_subkey_at(key, index, out, err, errlen);
    if (key->lk) {
        libregf_key_t *sub = NULL;
        libregf_error_t *e = NULL;
        if (libregf_key_get_sub_key(key->lk, index, &sub, &e) != 1) {
            char why[HH_ERRLEN];
            regf_error_text(&e, why, sizeof why);
            /* A subkey whose own lists are damaged: the raw layer may read it. */
            if (key->hive->opts.recover && hh_key_raw_subkey_index(key, index, out) == 1)
                return 1;
            snprintf(err, errlen, "cannot read subkey %d of '%s': %s", index, key->path, why);
            return -1;
        }
        *out = hh_key_wrap(key->hive, sub, key->path);
        if (!*out) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 1;
    }
    return hh_key_raw_subkey_at(key, index, out, err, errlen);
}

const char *hh_key_name(hh_key *key) { return key->name; }
const char *hh_key_path(hh_key *key) { return key->path; }
uint64_t hh_key_last_write(hh_key *key) { return key->last_write; }
int hh_key_is_recovered(hh_key *key) { return key->recovered; }
hh_hive *hh_key_hive(hh_key *key) { return key->hive; }

const char *hh_key_class_name(hh_key *key)
{
    if (key->class_loaded || key->hive->closed)
        return key->class_name;
    if (key->cells)
        return hh_cells_class_name(key);
    key->class_loaded = 1;
    if (!key->lk)
        return key->class_name; /* raw keys fill it when built */
    size_t size = 0;
    libregf_error_t *e = NULL;
    int rc = libregf_key_get_utf8_class_name_size(key->lk, &size, &e);
    if (rc == 1 && size > 0 && size < 65536) {
        key->class_name = malloc(size);
        if (key->class_name &&
            libregf_key_get_utf8_class_name(key->lk, (uint8_t *)key->class_name, size, &e) == 1) {
            key->class_name[size - 1] = '\0';
        } else {
            free(key->class_name);
            key->class_name = NULL;
        }
    }
    if (e)
        libregf_error_free(&e);
    return key->class_name;
}

int hh_key_value_count(hh_key *key, int *count, char *err, size_t errlen)
{
    *count = 0;
    if (closed_error(key->hive, err, errlen))
        return -1;
    if (key->cells)
        return hh_cells_value_count(key, count, err, errlen);
    if (key->lk) {
        libregf_error_t *e = NULL;
        if (libregf_key_get_number_of_values(key->lk, count, &e) != 1) {
            regf_fail(&e, err, errlen, "cannot count values of '%s'", key->path);
            return -1;
        }
        return 1;
    }
    return hh_key_raw_value_count(key, count, err, errlen);
}

static char *value_utf8_name(const hh_hive *hive, libregf_value_t *lv)
{
    size_t size = 0;
    libregf_error_t *e = NULL;
    off64_t cell_off = 0;
    if (libregf_value_get_offset(lv, &cell_off, NULL) == 1) {
        char *fast = ascii_cell_name(hive, cell_off, "vk", HH_VK_NAME_LENGTH, HH_VK_NAME, HH_VK_FLAGS, HH_VK_COMP_NAME);
        if (fast)
            return fast;
    }
    if (libregf_value_get_utf8_name_size(lv, &size, &e) == 1) {
        if (size <= 1)
            return hh_strdup("");
        if (size < 65536) {
            char *name = malloc(size);
            if (name && libregf_value_get_utf8_name(lv, (uint8_t *)name, size, &e) == 1) {
                name[size - 1] = '\0';
                return name;
            }
            free(name);
        }
    }
    if (e)
        libregf_error_free(&e);
    off64_t off = 0;
    libregf_value_get_offset(lv, &off, NULL);
    char buf[64];
    snprintf(buf, sizeof buf, "<undecodable name @0x%llx>", (unsigned long long)off);
    return hh_strdup(buf);
}

static hh_value *value_wrap(hh_key *key, libregf_value_t *lv)
{
    hh_value *v = calloc(1, sizeof *v);
    if (!v) {
        libregf_value_free(&lv, NULL);
        return NULL;
    }
    v->hive = key->hive;
    v->lv = lv;
    v->name = value_utf8_name(key->hive, lv);
    uint32_t type = 0;
    libregf_value_get_value_type(lv, &type, NULL);
    v->type = type;
    hh_hive_ref(key->hive);
    return v;
}

int hh_key_value_at(hh_key *key, int index, hh_value **out, char *err, size_t errlen)
{
    *out = NULL;
    if (closed_error(key->hive, err, errlen))
        return -1;
    if (key->cells)
        return hh_cells_value_at(key, index, out, err, errlen);
    if (key->lk) {
        libregf_value_t *lv = NULL;
        libregf_error_t *e = NULL;
        if (libregf_key_get_value(key->lk, index, &lv, &e) != 1) {
            regf_fail(&e, err, errlen, "cannot read value %d of '%s'", index, key->path);
            return -1;
        }
        *out = value_wrap(key, lv);
        if (!*out) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 1;
    }
    return hh_key_raw_value_at(key, index, out, err, errlen);
}

int hh_key_value(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen)
{
    *out = NULL;
    if (closed_error(key->hive, err, errlen))
        return -1;
    if (key->cells)
        return hh_cells_value(key, name, out, err, errlen);
    if (key->lk) {
        libregf_value_t *lv = NULL;
        libregf_error_t *e = NULL;
        int rc = libregf_key_get_value_by_utf8_name(key->lk, (const uint8_t *)name, strlen(name), &lv, &e);
        if (rc == 0)
            return 0;
        if (rc != 1) {
            regf_fail(&e, err, errlen, "cannot read value '%s' of '%s'", name, key->path);
            return -1;
        }
        *out = value_wrap(key, lv);
        if (!*out) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 1;
    }
    return hh_key_raw_value_by_name(key, name, out, err, errlen);
}

/* ---- values ----------------------------------------------------------------- */

/* The value's data read straight from its vk cell and data cell, bounds
 * checked. libregf 20201007 returns the last bytes of the 4-byte field for
 * 1-3 byte inline data where Windows stores the first, and hands some data
 * over cut at a NUL; reading the cells ourselves keeps every byte as
 * stored. Big data (db lists) is left to libregf. 1 done, 0 not handled. */
static int vk_data_direct(hh_value *value)
{
    hh_hive *h = value->hive;
    off64_t off = 0;
    if (libregf_value_get_offset(value->lv, &off, NULL) != 1 || off < HH_BASE_BLOCK_SIZE ||
        (uint64_t)off + 20 > h->size)
        return 0;
    const uint8_t *vk = h->data + off;
    if (vk[0] != 'v' || vk[1] != 'k')
        return 0;
    uint32_t size = hh_le32(vk + 4), data_off = hh_le32(vk + 8);
    uint32_t len = size & 0x7FFFFFFFu;
    const uint8_t *src;
    if (size & 0x80000000u) {
        if (len > 4)
            return 0;
        src = vk + 8; /* inline: the first len bytes of the offset field */
    } else {
        if (len > 16344 && h->info.minor >= 4) {
            /* Big data: read here only for values libregf was shown without. */
            uint8_t *big = NULL;
            size_t big_len = 0;
            if (h->info.minor < 5 || hh_hive_lent_big_data(h, (uint64_t)off, &big, &big_len) != 1)
                return 0;
            value->data = big;
            value->data_borrowed = 0;
            value->len = big_len;
            value->data_loaded = 1;
            return 1;
        }
        uint64_t cell = (uint64_t)HH_BASE_BLOCK_SIZE + data_off;
        if (data_off == 0xFFFFFFFFu || cell + 4 > h->size)
            return 0;
        int32_t cell_size = (int32_t)hh_le32(h->data + cell);
        if (cell_size >= 0)
            return 0; /* a free cell: not this value's data */
        uint64_t avail = (uint64_t)(-(int64_t)cell_size);
        if (avail < 4 || len > avail - 4 || cell + 4 + len > h->size)
            return 0;
        src = h->data + cell + 4;
    }
    /* The image outlives the value (the value holds a hive reference), so
     * the data is lent, not copied. */
    value->data = len > 0 ? (uint8_t *)src : NULL;
    value->data_borrowed = 1;
    value->len = len;
    value->data_loaded = 1;
    return 1;
}

const char *hh_value_name(hh_value *value) { return value->name; }
uint32_t hh_value_type(hh_value *value) { return value->type; }

int hh_value_data(hh_value *value, const uint8_t **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    if (closed_error(value->hive, err, errlen))
        return -1;
    if (!value->data_loaded && !value->lv) {
        snprintf(err, errlen, "data of value '%s' lies in a damaged cell", value->name);
        return -1;
    }
    if (!value->data_loaded && value->lv && vk_data_direct(value) == 1) {
        /* read straight from the value's cells */
    } else if (!value->data_loaded && value->lv) {
        size_t size = 0;
        libregf_error_t *e = NULL;
        if (libregf_value_get_value_data_size(value->lv, &size, &e) != 1) {
            regf_fail(&e, err, errlen, "cannot read data of value '%s'", value->name);
            return -1;
        }
        if (size > HH_VALUE_MAX_BYTES) {
            snprintf(err, errlen, "data of value '%s' is implausibly large (%zu bytes)", value->name, size);
            return -1;
        }
        if (size > 0) {
            value->data = malloc(size);
            if (!value->data) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (libregf_value_get_value_data(value->lv, value->data, size, &e) != 1) {
                regf_fail(&e, err, errlen, "cannot read data of value '%s'", value->name);
                free(value->data);
                value->data = NULL;
                return -1;
            }
        }
        value->len = size;
        value->data_loaded = 1;
    }
    *data = value->data;
    *len = value->len;
    return 1;
}
