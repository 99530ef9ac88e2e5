/* Layer: hive, called by raw.c (and lifetime.c, which frees its list). May
 * call: raw_cells.c, base. */
/* Deleted keys: key nodes left in unallocated cells.
 *
 * When Windows deletes a key it frees the key node's cell (the size turns
 * positive) and may merge it with free neighbours, but leaves the bytes. A
 * former cell starts on an 8-byte boundary inside a free cell, so every
 * such boundary whose next two bytes read "nk" is a candidate. A candidate
 * becomes a recovered key only if it validates as a key node a hive writer
 * produced: the name fits the former cell and is printable, the LastWrite is
 * a plausible date, the counts and parent offset are sane. Its path is
 * resolved through its parent link while that still reaches a live key or
 * another recovered key. */
#include <stdlib.h>
#include <string.h>

#include "raw.h"
#include "util.h"

#define MAX_DELETED 200000
#define MAX_PATH_DEPTH 512
#define KEY_FLAGS_KNOWN 0x3FFFu

char *hh_raw_live_path(const hh_raw_image *img, uint32_t root, uint32_t off)
{
    char *names[MAX_PATH_DEPTH];
    size_t depth = 0, total = 0;
    char *path = NULL;
    uint32_t cur = off;
    /* Walk up to the root; a chain longer than any real tree is a loop. */
    while (cur != root) {
        hh_raw_nk nk;
        if (depth == MAX_PATH_DEPTH || !hh_raw_read_nk(img, cur, HH_RAW_ALLOCATED, &nk))
            goto out;
        names[depth++] = nk.name;
        total += strlen(nk.name) + 1;
        cur = nk.parent;
    }
    path = malloc(total + 1);
    if (!path)
        goto out;
    size_t o = 0;
    for (size_t i = depth; i-- > 0;) {
        size_t n = strlen(names[i]);
        memcpy(path + o, names[i], n);
        o += n;
        if (i)
            path[o++] = '\\';
    }
    path[o] = '\0';
out:
    for (size_t i = 0; i < depth; i++)
        free(names[i]);
    return path;
}

typedef struct {
    struct hh_raw_state *st;
    size_t cap;
    int oom;
} scan_ctx;

static int plausible_deleted(const hh_raw_nk *nk)
{
    return nk->name_plausible && hh_raw_time_plausible(nk->last_write) && (nk->flags & ~KEY_FLAGS_KNOWN) == 0 &&
           nk->parent % 8 == 0 && nk->parent != HH_RAW_NIL && nk->nsub <= HH_RAW_MAX_SUBKEYS &&
           nk->nvalues <= HH_RAW_MAX_VALUES;
}

static void scan_free_cell(uint32_t off, const uint8_t *data, uint32_t len, int allocated, void *vctx)
{
    scan_ctx *ctx = vctx;
    (void)data;
    if (allocated || ctx->oom)
        return;
    const uint8_t *bins = ctx->st->img.bins;
    uint32_t end = off + 4 + len; /* first byte past this free cell */
    for (uint32_t q = off; end - q >= 4 + 76; q += 8) {
        if (bins[q + 4] != 'n' || bins[q + 5] != 'k')
            continue;
        /* The former cell's own size field bounds the record when sane. */
        int32_t raw = (int32_t)hh_le32(bins + q);
        uint32_t former = raw < 0 ? (uint32_t)(-(int64_t)raw) : (uint32_t)raw;
        uint32_t avail = end - q - 4;
        uint32_t cell_len = (former >= 8 + 76 && former - 4 <= avail) ? former - 4 : avail;
        hh_raw_nk nk;
        if (!hh_raw_parse_nk(bins + q + 4, cell_len, q, 0, &nk))
            continue;
        if (!plausible_deleted(&nk) || ctx->st->ndeleted >= MAX_DELETED) {
            hh_raw_nk_clear(&nk);
            continue;
        }
        if (ctx->st->ndeleted == ctx->cap) {
            size_t ncap = ctx->cap ? ctx->cap * 2 : 64;
            hh_raw_deleted *g = realloc(ctx->st->deleted, ncap * sizeof *g);
            if (!g) {
                ctx->oom = 1;
                hh_raw_nk_clear(&nk);
                return;
            }
            ctx->st->deleted = g;
            ctx->cap = ncap;
        }
        ctx->st->deleted[ctx->st->ndeleted++] =
            (hh_raw_deleted){q, nk.parent, cell_len, nk.last_write, nk.name, NULL}; /* takes the name */
    }
}

const hh_raw_deleted *hh_raw_deleted_find(const struct hh_raw_state *st, uint32_t off)
{
    size_t lo = 0, hi = st->ndeleted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->deleted[mid].off == off)
            return &st->deleted[mid];
        if (st->deleted[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The path of a recovered key: under its live parent, under a recovered
 * parent's path, or under "<orphan>" when the chain is lost. */
static char *resolve_path(struct hh_raw_state *st, hh_raw_deleted *d, int depth)
{
    if (d->path)
        return d->path;
    char *parent_path = NULL;
    const char *prefix = "<orphan>";
    hh_raw_deleted *up = (hh_raw_deleted *)hh_raw_deleted_find(st, d->parent);
    if (up && up != d && depth < 64) {
        prefix = resolve_path(st, up, depth + 1);
    } else if (!up) {
        parent_path = hh_raw_live_path(&st->img, st->root, d->parent);
        if (parent_path)
            prefix = parent_path;
    }
    d->path = prefix[0] ? hh_join3(prefix, "\\", d->name) : hh_strdup(d->name);
    free(parent_path);
    return d->path ? d->path : "<orphan>";
}

int hh_raw_find_deleted(struct hh_raw_state *st)
{
    if (st->deleted_ready)
        return 1;
    st->deleted_ready = 1;
    scan_ctx ctx = {st, 0, 0};
    if (st->free_cells_known) {
        /* A clean hive's free cells, as the open's walk found them: the same
         * cells the walk below would give, without visiting the others. */
        for (size_t i = 0; i < st->nfree_cells && !ctx.oom; i++) {
            uint32_t off = st->free_cells[i];
            scan_free_cell(off, st->img.bins + off + 4, hh_le32(st->img.bins + off) - 4, 0, &ctx);
        }
    } else {
        hh_raw_each_cell(&st->img, scan_free_cell, &ctx);
    }
    /* Cells are walked in offset order, so the array is sorted by offset. */
    for (size_t i = 0; i < st->ndeleted; i++)
        resolve_path(st, &st->deleted[i], 0);
    st->deleted_kids = malloc((st->ndeleted + 1) * sizeof *st->deleted_kids);
    if (!st->deleted_kids)
        return -1;
    for (size_t i = 0; i < st->ndeleted; i++)
        st->deleted_kids[i] = (hh_raw_kid){st->deleted[i].parent, st->deleted[i].off};
    if (st->ndeleted > 1)
        qsort(st->deleted_kids, st->ndeleted, sizeof *st->deleted_kids, hh_raw_kid_cmp);
    return ctx.oom ? -1 : 1;
}

void hh_raw_deleted_free(struct hh_raw_state *st)
{
    for (size_t i = 0; i < st->ndeleted; i++) {
        free(st->deleted[i].name);
        free(st->deleted[i].path);
    }
    free(st->deleted);
    free(st->deleted_kids);
    st->deleted = NULL;
    st->deleted_kids = NULL;
    st->ndeleted = 0;
}
