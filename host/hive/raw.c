/* Layer: hive, the raw cell layer. May call: image.c, raw_cells.c,
 * replay.c, recover.c, lifetime.c, base. */
/* The raw cell layer beside libregf: the entry points hive.c calls when
 * libregf cannot open a hive, its root or a subkey list, raw keys and
 * values, and deleted keys recovered from unallocated cells.
 *
 * A raw key is a key node read by raw_cells.c. Its subkeys come from its
 * subkey list; when that list is damaged, from every allocated key node
 * whose parent link names it (a subkey list can be lost with its bin while
 * the children survive elsewhere). What could not be read is said in a
 * warning; a cell that does not validate never becomes a key or value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raw.h"
#include "regf_format.h"
#include "util.h"

/* ---- the hive's raw view ---------------------------------------------------- */

typedef struct {
    struct hh_raw_state *st;
    size_t cap;
    int oom;
} kid_ctx;

static void index_key_node(uint32_t off, const uint8_t *data, uint32_t len, int allocated, void *vctx)
{
    kid_ctx *ctx = vctx;
    if (!allocated || ctx->oom || len < 2 || data[0] != 'n' || data[1] != 'k')
        return;
    hh_raw_nk nk;
    if (!hh_raw_parse_nk(data, len, off, 1, &nk))
        return;
    int keep = nk.name_plausible;
    uint32_t parent = nk.parent;
    hh_raw_nk_clear(&nk);
    if (!keep)
        return;
    if (ctx->st->nkids == ctx->cap) {
        size_t ncap = ctx->cap ? ctx->cap * 2 : 1024;
        hh_raw_kid *g = realloc(ctx->st->kids, ncap * sizeof *g);
        if (!g) {
            ctx->oom = 1;
            return;
        }
        ctx->st->kids = g;
        ctx->cap = ncap;
    }
    ctx->st->kids[ctx->st->nkids++] = (hh_raw_kid){parent, off};
}

struct hh_raw_state *hh_raw_state_get(hh_hive *hive)
{
    if (hive->raw)
        return hive->raw;
    struct hh_raw_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (hh_raw_image_init(&st->img, hive->data, hive->size) != 1) {
        free(st);
        return NULL;
    }
    st->root = hh_le32(hive->data + 36);
    if (st->img.damaged)
        hh_hive_warn(hive, "%u bytes of hive bins have no valid bin header and were skipped", st->img.damaged);
    hive->raw = st;
    return st;
}

/* The index of allocated key nodes by parent: only a damaged tree (a lost
 * subkey list, an unreadable root) needs it, so it is built then. */
static void ensure_kids(struct hh_raw_state *st)
{
    if (st->kids_ready)
        return;
    st->kids_ready = 1;
    kid_ctx ctx = {st, 0, 0};
    hh_raw_each_cell(&st->img, index_key_node, &ctx);
    if (st->nkids > 1)
        qsort(st->kids, st->nkids, sizeof *st->kids, hh_raw_kid_cmp);
}

/* ---- raw keys ------------------------------------------------------------------ */

static hh_key *make_raw_key(hh_hive *hive, const hh_raw_nk *nk, const char *parent_path, const char *path,
                            int recovered)
{
    hh_key *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->hive = hive;
    k->raw_offset = nk->off;
    k->name = hh_strdup(nk->name);
    if (path)
        k->path = hh_strdup(path);
    else if (!parent_path)
        k->path = hh_strdup("");
    else if (!parent_path[0])
        k->path = hh_strdup(nk->name);
    else
        k->path = hh_join3(parent_path, "\\", nk->name);
    k->last_write = nk->last_write;
    k->recovered = recovered;
    k->class_name = hh_raw_class_name(&hive->raw->img, nk, recovered ? HH_RAW_ANY : HH_RAW_ALLOCATED);
    k->class_loaded = 1;
    k->raw = calloc(1, sizeof *k->raw);
    hh_hive_ref(hive);
    if (!k->name || !k->path || !k->raw) {
        hh_key_free(&k);
        return NULL;
    }
    return k;
}

static int accept_for(const hh_key *key) { return key->recovered ? HH_RAW_ANY : HH_RAW_ALLOCATED; }

/* A key node as the key sees it: live ones from allocated cells, recovered
 * ones within the former cell the scan bounded. */
static int key_nk(struct hh_raw_state *st, uint32_t off, int recovered, hh_raw_nk *nk)
{
    if (!recovered)
        return hh_raw_read_nk(&st->img, off, HH_RAW_ALLOCATED, nk);
    memset(nk, 0, sizeof *nk);
    const hh_raw_deleted *d = hh_raw_deleted_find(st, off);
    return d && hh_raw_parse_nk(st->img.bins + off + 4, d->cell_len, off, 0, nk);
}

/* A child found while completing a damaged list: its name for ordering and
 * de-duplication, and whether the list itself named it. */
typedef struct {
    uint32_t off;
    int listed;
    char *name;
} found_child;

static int found_by_off(const void *a, const void *b)
{
    const found_child *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return y->listed - x->listed; /* the listed copy first */
}

static int found_by_name(const void *a, const void *b)
{
    const found_child *x = a, *y = b;
    int r = hh_raw_name_cmp(x->name, y->name);
    if (r)
        return r;
    if (x->listed != y->listed)
        return y->listed - x->listed; /* the listed one wins a name clash */
    return x->off < y->off ? -1 : x->off > y->off;
}

/* The first index of st->kids whose parent is off, and how many follow. */
static size_t first_with_parent(const hh_raw_kid *v, size_t n, uint32_t off, size_t *count);
static void ensure_kids(struct hh_raw_state *st);
static size_t kids_of(struct hh_raw_state *st, uint32_t off, size_t *count)
{
    ensure_kids(st);
    return first_with_parent(st->kids, st->nkids, off, count);
}

/* The subkeys of a live raw key: its list, in list order, when the list is
 * whole; otherwise what the list still names (children that name this key
 * back) plus the key nodes whose parent link names it, one per offset and
 * per name, in registry order. Sorting keeps a hostile hive with many
 * claimed children at n log n. */
static int live_children(hh_hive *hive, struct hh_raw_state *st, uint32_t off, const char *path, uint32_t **out,
                         size_t *n)
{
    *out = NULL;
    *n = 0;
    hh_raw_nk nk;
    if (!hh_raw_read_nk(&st->img, off, HH_RAW_ALLOCATED, &nk))
        return 1;
    uint32_t declared = nk.nsub;
    uint32_t sublist = nk.sublist;
    hh_raw_nk_clear(&nk);
    size_t max = declared < HH_RAW_MAX_SUBKEYS ? declared : HH_RAW_MAX_SUBKEYS;
    uint32_t *listed = malloc((max + 1) * sizeof *listed);
    if (!listed)
        return -1;
    size_t nlisted = 0;
    int whole = 1;
    if (declared > 0) {
        whole = hh_raw_read_subkey_list(&st->img, sublist, HH_RAW_ALLOCATED, listed, max + 1, &nlisted);
        if (nlisted != declared)
            whole = 0;
        if (nlisted > max)
            nlisted = max;
    }
    if (whole) {
        /* Every entry must still be a key node, or the list is not whole. */
        for (size_t i = 0; i < nlisted && whole; i++)
            whole = hh_raw_nk_valid(&st->img, listed[i], HH_RAW_ALLOCATED);
    }
    if (whole) {
        *out = listed;
        *n = nlisted;
        return 1;
    }
    /* Only a damaged list needs the index of key nodes by parent (a scan
     * of every cell). */
    size_t linked_count;
    size_t linked_at = kids_of(st, off, &linked_count);
    found_child *f = calloc(nlisted + linked_count + 1, sizeof *f);
    if (!f) {
        free(listed);
        return -1;
    }
    size_t nf = 0, from_list = 0;
    for (size_t i = 0; i < nlisted + linked_count; i++) {
        int is_listed = i < nlisted;
        uint32_t c = is_listed ? listed[i] : st->kids[linked_at + i - nlisted].off;
        hh_raw_nk cn;
        if (!hh_raw_read_nk(&st->img, c, HH_RAW_ALLOCATED, &cn))
            continue;
        /* From a damaged list, only children that name this key back. */
        if (cn.parent != off) {
            hh_raw_nk_clear(&cn);
            continue;
        }
        f[nf++] = (found_child){c, is_listed, cn.name}; /* takes the name */
    }
    free(listed);
    qsort(f, nf, sizeof *f, found_by_off);
    size_t m = 0;
    for (size_t i = 0; i < nf; i++) {
        if (m && f[m - 1].off == f[i].off) {
            free(f[i].name);
            continue;
        }
        f[m++] = f[i];
    }
    qsort(f, m, sizeof *f, found_by_name);
    uint32_t *v = malloc((m + 1) * sizeof *v);
    if (!v) {
        for (size_t i = 0; i < m; i++)
            free(f[i].name);
        free(f);
        return -1;
    }
    size_t got = 0;
    for (size_t i = 0; i < m; i++) {
        if (!(got && hh_raw_name_cmp(f[i].name, f[i - 1].name) == 0)) {
            v[got++] = f[i].off;
            from_list += f[i].listed;
        }
    }
    for (size_t i = 0; i < m; i++)
        free(f[i].name);
    free(f);
    hh_hive_warn(hive, "subkey list of '%s' is damaged: %zu of %u subkeys read (%zu from the list, %zu by their "
                 "parent link)%s", path[0] ? path : "(root)", got, declared, from_list, got - from_list,
                 got < declared ? "; the rest are lost" : "");
    *out = v;
    *n = got;
    return 1;
}

/* Index of the first pair in v (sorted by parent) whose parent is off. */
static size_t first_with_parent(const hh_raw_kid *v, size_t n, uint32_t off, size_t *count)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].parent < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t c = 0;
    while (lo + c < n && v[lo + c].parent == off)
        c++;
    *count = c;
    return lo;
}

static int deleted_children(struct hh_raw_state *st, uint32_t off, uint32_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t count;
    size_t at = first_with_parent(st->deleted_kids, st->deleted_kids ? st->ndeleted : 0, off, &count);
    uint32_t *v = malloc((count + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (st->deleted_kids[at + i].off != off) /* a key is not its own child */
            v[(*n)++] = st->deleted_kids[at + i].off;
    *out = v;
    return 1;
}

static int ensure_children(hh_key *key, char *err, size_t errlen)
{
    if (key->raw->children_ready)
        return 1;
    struct hh_raw_state *st = key->hive->raw;
    int rc = key->recovered ? deleted_children(st, key->raw_offset, &key->raw->children, &key->raw->nchildren)
                            : live_children(key->hive, st, key->raw_offset, key->path, &key->raw->children,
                                            &key->raw->nchildren);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory reading subkeys of '%s'", key->path);
        return -1;
    }
    key->raw->children_ready = 1;
    return 1;
}

static int ensure_values(hh_key *key, char *err, size_t errlen)
{
    if (key->raw->values_ready)
        return 1;
    struct hh_raw_state *st = key->hive->raw;
    hh_raw_nk nk;
    size_t damaged = 0;
    if (key_nk(st, key->raw_offset, key->recovered, &nk)) {
        int rc = hh_raw_read_values(&st->img, &nk, accept_for(key), &key->raw->values, &key->raw->nvalues, &damaged);
        uint32_t declared = nk.nvalues;
        hh_raw_nk_clear(&nk);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory reading values of '%s'", key->path);
            return -1;
        }
        if (damaged && !key->recovered)
            hh_hive_warn(key->hive, "values of '%s' are damaged: %zu of %u read", key->path, key->raw->nvalues,
                         declared);
    }
    key->raw->values_ready = 1;
    return 1;
}

static int child_key(hh_key *key, uint32_t off, hh_key **out, char *err, size_t errlen)
{
    struct hh_raw_state *st = key->hive->raw;
    hh_raw_nk nk;
    if (!key_nk(st, off, key->recovered, &nk)) {
        snprintf(err, errlen, "subkey of '%s' at offset 0x%x no longer validates", key->path, off);
        return -1;
    }
    *out = make_raw_key(key->hive, &nk, key->path, NULL, key->recovered);
    hh_raw_nk_clear(&nk);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}

int hh_key_raw_subkey_count(hh_key *key, int *count, char *err, size_t errlen)
{
    *count = 0;
    if (!key->raw) {
        snprintf(err, errlen, "key '%s' has no raw view", key->path);
        return -1;
    }
    if (ensure_children(key, err, errlen) != 1)
        return -1;
    *count = (int)key->raw->nchildren;
    return 1;
}

int hh_key_raw_subkey_at(hh_key *key, int index, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    int count;
    if (hh_key_raw_subkey_count(key, &count, err, errlen) != 1)
        return -1;
    if (index < 0 || index >= count) {
        snprintf(err, errlen, "no subkey %d of '%s'", index, key->path);
        return -1;
    }
    return child_key(key, key->raw->children[index], out, err, errlen);
}

static int find_child(hh_key *key, const char *name, uint32_t *off, char *err, size_t errlen)
{
    int count;
    if (hh_key_raw_subkey_count(key, &count, err, errlen) != 1)
        return -1;
    for (size_t i = 0; i < key->raw->nchildren; i++) {
        hh_raw_nk nk;
        if (!key_nk(key->hive->raw, key->raw->children[i], key->recovered, &nk))
            continue;
        int same = hh_raw_name_cmp(nk.name, name) == 0;
        hh_raw_nk_clear(&nk);
        if (same) {
            *off = key->raw->children[i];
            return 1;
        }
    }
    return 0;
}

int hh_key_raw_subkey_by_name(hh_key *key, const char *name, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    uint32_t off;
    int rc = find_child(key, name, &off, err, errlen);
    if (rc != 1)
        return rc;
    return child_key(key, off, out, err, errlen);
}

static hh_value *make_raw_value(hh_hive *hive, const hh_raw_vk *vk)
{
    hh_value *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->hive = hive;
    v->raw_offset = vk->off;
    v->name = hh_strdup(vk->name);
    v->type = vk->type;
    if (vk->data_ok && vk->len) {
        v->data = malloc(vk->len);
        if (v->data)
            memcpy(v->data, vk->data, vk->len);
    }
    v->len = v->data ? vk->len : 0;
    v->data_loaded = vk->data_ok && (vk->len == 0 || v->data);
    hh_hive_ref(hive);
    if (!v->name) {
        hh_value_free(&v);
        return NULL;
    }
    return v;
}

int hh_key_raw_value_count(hh_key *key, int *count, char *err, size_t errlen)
{
    *count = 0;
    if (!key->raw) {
        snprintf(err, errlen, "key '%s' has no raw view", key->path);
        return -1;
    }
    if (ensure_values(key, err, errlen) != 1)
        return -1;
    *count = (int)key->raw->nvalues;
    return 1;
}

int hh_key_raw_value_at(hh_key *key, int index, hh_value **out, char *err, size_t errlen)
{
    *out = NULL;
    int count;
    if (hh_key_raw_value_count(key, &count, err, errlen) != 1)
        return -1;
    if (index < 0 || index >= count) {
        snprintf(err, errlen, "no value %d of '%s'", index, key->path);
        return -1;
    }
    *out = make_raw_value(key->hive, &key->raw->values[index]);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}

int hh_key_raw_value_by_name(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen)
{
    *out = NULL;
    int count;
    if (hh_key_raw_value_count(key, &count, err, errlen) != 1)
        return -1;
    for (size_t i = 0; i < key->raw->nvalues; i++)
        if (hh_raw_name_cmp(key->raw->values[i].name, name) == 0) {
            *out = make_raw_value(key->hive, &key->raw->values[i]);
            if (!*out) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            return 1;
        }
    return 0;
}

/* ---- before libregf reads the image ---------------------------------------- */

typedef struct {
    hh_raw_image *img;
    uint8_t *bins;      /* writable view of the same bytes */
    unsigned defused;
} defuse_ctx;

static void defuse_cell(uint32_t off, const uint8_t *data, uint32_t len, int allocated, void *vctx)
{
    defuse_ctx *ctx = vctx;
    if (!allocated || len < 4)
        return;
    if (data[0] != 'r' || data[1] != 'i')
        return;
    uint16_t count = hh_le16(data + 2);
    for (uint32_t i = 0; i < count && 4 + 4 * (size_t)i + 4 <= len; i++) {
        const uint8_t *target;
        uint32_t tlen;
        uint32_t elem = off + 4 + 4 + 4 * i;
        if (hh_raw_cell(ctx->img, hh_le32(ctx->bins + elem), HH_RAW_ANY, &target, &tlen, NULL) && tlen >= 2 &&
            target[0] == 'r' && target[1] == 'i') {
            hh_put_le32(ctx->bins + elem, HH_RAW_NIL);
            ctx->defused++;
        }
    }
}

/* An index root that points to an index root (itself, say) sends libregf
 * 20201007 into unbounded recursion (a stack overflow). The format forbids
 * the nesting, so the in-memory copy (never the evidence) loses those
 * references; libregf then fails on that key alone and the raw reader takes
 * it over. (guard.c guards libregf's other known over-read.) */
void hh_hive_raw_defuse(hh_hive *hive, const hh_cell_census *census)
{
    hh_raw_image img;
    if (hh_raw_image_init(&img, hive->data, hive->size) != 1) {
        hh_raw_image_free(&img);
        return;
    }
    defuse_ctx ctx = {&img, hive->data + HH_BASE_BLOCK_SIZE, 0};
    if (census && census->clean) {
        /* A clean hive's cells are the ones the census walked: only its
         * index roots need a look. */
        for (size_t i = 0; i < census->nris; i++) {
            uint32_t off = census->ris[i];
            uint32_t len = (uint32_t)(-(int64_t)(int32_t)hh_le32(ctx.bins + off));
            defuse_cell(off, ctx.bins + off + 4, len - 4, 1, &ctx);
        }
    } else {
        hh_raw_each_cell(&img, defuse_cell, &ctx);
    }
    hh_raw_image_free(&img);
    if (ctx.defused)
        hh_hive_warn(hive, "%u nested index root reference%s (forbidden by the format) ignored", ctx.defused,
                     ctx.defused == 1 ? "" : "s");
}

/* ---- where libregf gives up ---------------------------------------------------- */

int hh_hive_raw_replay(hh_hive *hive, char *err, size_t errlen)
{
    return hh_replay_logs(hive, err, errlen);
}

/* ---- the root ---------------------------------------------------- */

/* The root key node: the base block's, or a key node flagged as a hive's
 * root when the base block's offset does not lead to one. */
static int raw_root_nk(struct hh_raw_state *st, hh_raw_nk *nk)
{
    if (hh_raw_read_nk(&st->img, st->root, HH_RAW_ALLOCATED, nk) && nk->name_plausible)
        return 1;
    hh_raw_nk_clear(nk);
    ensure_kids(st);
    for (size_t i = 0; i < st->nkids; i++) {
        if (hh_raw_read_nk(&st->img, st->kids[i].off, HH_RAW_ALLOCATED, nk) && (nk->flags & HH_NK_HIVE_ENTRY)) {
            st->root = nk->off;
            return 1;
        }
        hh_raw_nk_clear(nk);
    }
    return 0;
}

int hh_hive_raw_root(hh_hive *hive, hh_key **out)
{
    *out = NULL;
    struct hh_raw_state *st = hh_raw_state_get(hive);
    hh_raw_nk nk;
    if (!st || !raw_root_nk(st, &nk))
        return 0;
    *out = make_raw_key(hive, &nk, NULL, NULL, 0);
    hh_raw_nk_clear(&nk);
    if (!*out)
        return 0;
    hh_hive_warn(hive, "libregf cannot read the root key: the key tree is read from raw cells");
    return 1;
}

int hh_hive_raw_fallback(hh_hive *hive, char *err, size_t errlen)
{
    struct hh_raw_state *st = hh_raw_state_get(hive);
    hh_raw_nk nk;
    if (!st || !raw_root_nk(st, &nk))
        return 0;
    hh_raw_nk_clear(&nk);
    hh_hive_warn(hive, "%s: reading the hive's cells directly", err);
    /* hive.c's root lookup finds no libregf file and comes back here. */
    return 1;
}

/* The cell offset of a key libregf has open. */
static int libregf_key_cell(struct hh_raw_state *st, hh_key *key, uint32_t *off)
{
    /* libregf reports the file offset of the cell's data, past its size. */
    off64_t file_off = 0;
    if (!key->lk || libregf_key_get_offset(key->lk, &file_off, NULL) != 1 || file_off < HH_BASE_BLOCK_SIZE + 4 ||
        file_off - HH_BASE_BLOCK_SIZE - 4 > 0xFFFFFFF0)
        return 0;
    uint32_t cell = (uint32_t)(file_off - HH_BASE_BLOCK_SIZE - 4);
    hh_raw_nk nk;
    if (!hh_raw_read_nk(&st->img, cell, HH_RAW_ALLOCATED, &nk))
        return 0;
    hh_raw_nk_clear(&nk);
    *off = cell;
    return 1;
}

/* A stand-in raw key for a libregf key, to read its subkeys raw. */
static hh_key *raw_twin(hh_key *key)
{
    struct hh_raw_state *st = hh_raw_state_get(key->hive);
    uint32_t off;
    if (!st || !libregf_key_cell(st, key, &off))
        return NULL;
    hh_raw_nk nk;
    if (!hh_raw_read_nk(&st->img, off, HH_RAW_ALLOCATED, &nk))
        return NULL;
    hh_key *twin = make_raw_key(key->hive, &nk, NULL, key->path, 0);
    hh_raw_nk_clear(&nk);
    return twin;
}

int hh_key_raw_subkey(hh_key *parent, const char *name, hh_key **out)
{
    *out = NULL;
    hh_key *twin = raw_twin(parent);
    if (!twin)
        return -1;
    char err[HH_ERRLEN];
    /* No warning of its own: a lookup libregf refuses (a name that is not
     * valid UTF-16, say) finds the same key here, and a damaged list says
     * so when the twin reads it. */
    int rc = hh_key_raw_subkey_by_name(twin, name, out, err, sizeof err);
    hh_key_free(&twin);
    return rc;
}

int hh_key_raw_subkey_index(hh_key *parent, int index, hh_key **out)
{
    *out = NULL;
    hh_key *twin = raw_twin(parent);
    if (!twin)
        return 0;
    char err[HH_ERRLEN];
    /* libregf refuses some intact keys (a name that is not valid UTF-16);
     * damage the raw read meets is warned about where it is met. */
    int rc = hh_key_raw_subkey_at(twin, index, out, err, sizeof err);
    hh_key_free(&twin);
    return rc == 1 ? 1 : 0;
}

/* ---- deleted keys ----------------------------------------------------------------- */

int hh_hive_deleted_key_count(hh_hive *hive)
{
    if (!hive || hive->closed || !hive->opts.recover)
        return 0;
    struct hh_raw_state *st = hh_raw_state_get(hive);
    if (!st)
        return 0;
    if (!st->deleted_ready) {
        st->free_cells_known = hive->free_cells_known;
        st->free_cells = hive->free_cells;
        st->nfree_cells = hive->nfree_cells;
    }
    if (hh_raw_find_deleted(st) < 0)
        return 0;
    return (int)st->ndeleted;
}

int hh_hive_deleted_key_at(hh_hive *hive, int index, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    int count = hh_hive_deleted_key_count(hive);
    if (index < 0 || index >= count) {
        snprintf(err, errlen, "no deleted key %d", index);
        return -1;
    }
    struct hh_raw_state *st = hive->raw;
    const hh_raw_deleted *d = &st->deleted[index];
    hh_raw_nk nk;
    if (!key_nk(st, d->off, 1, &nk)) {
        snprintf(err, errlen, "deleted key %d no longer validates", index);
        return -1;
    }
    *out = make_raw_key(hive, &nk, NULL, d->path ? d->path : d->name, 1);
    hh_raw_nk_clear(&nk);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}
