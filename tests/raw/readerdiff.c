/* readerdiff: the cells reader against libregf, the reference.
 *
 *   readerdiff HIVE...                 each hive, as is
 *   readerdiff --mutants N HIVE...     and N seeded mutants of each
 *
 * Each hive is opened twice, with --reader cells and --reader libregf, and
 * both trees are walked side by side: every key (path, name, class, last
 * write, counts), every subkey by index and by its name spelled as stored,
 * upper-cased and lower-cased, every value by index (name, type, data
 * bytes) and by name (all of small keys, a spread of large ones), the open
 * result and every warning. Each key's dump must be byte-identical under
 * both readers; the first difference per hive is printed with the hive (and
 * mutant seed) that shows it. Exit 1 on any difference. READERDIFF_SAVE=DIR
 * keeps the mutants that differ. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "util.h"

#define MAX_DEPTH 64
#define MAX_KEYS 400000

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

/* Room for more bytes and a NUL, at least doubling. */
static void sb_grow(sbuf *b, size_t more)
{
    size_t cap = (b->cap + more + 1) * 2;
    char *g = realloc(b->p, cap);
    if (!g) {
        fprintf(stderr, "readerdiff: out of memory\n");
        exit(2);
    }
    b->p = g;
    b->cap = cap;
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0)
            return;
        if (b->p && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        sb_grow(b, (size_t)w);
    }
}

static void sb_hex(sbuf *b, const uint8_t *d, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    if (b->cap - b->n <= 2 * n)
        sb_grow(b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        b->p[b->n++] = hx[d[i] >> 4];
        b->p[b->n++] = hx[d[i] & 15];
    }
    b->p[b->n] = '\0';
}

static void dump_value(sbuf *b, hh_value *v)
{
    const uint8_t *d;
    size_t n;
    char err[HH_ERRLEN];
    sb_printf(b, "  value '%s' type %u", hh_value_name(v), hh_value_type(v));
    if (hh_value_data(v, &d, &n, err, sizeof err) == 1) {
        sb_printf(b, " len %zu data ", n);
        sb_hex(b, d, n);
    } else {
        sb_printf(b, " data error: %s", err);
    }
    sb_printf(b, "\n");
}

static void case_map(char *dst, const char *src, int upper)
{
    for (; *src; src++)
        *dst++ = (char)(upper ? toupper((unsigned char)*src) : tolower((unsigned char)*src));
    *dst = '\0';
}

static void dump_lookup(sbuf *b, hh_key *k, const char *name)
{
    hh_key *s = NULL;
    char err[HH_ERRLEN];
    int rc = hh_key_subkey(k, name, &s, err, sizeof err);
    sb_printf(b, "  lookup '%s': %d %s\n", name, rc, rc == 1 ? hh_key_path(s) : rc < 0 ? err : "");
    hh_key_free(&s);
}

/* One key's dump (not its subtree). */
static void dump_key(sbuf *b, hh_key *k)
{
    char err[HH_ERRLEN];
    const char *cls = hh_key_class_name(k);
    sb_printf(b, "key '%s' name '%s' class %s%s%s lw %llu\n", hh_key_path(k), hh_key_name(k), cls ? "'" : "",
              cls ? cls : "(none)", cls ? "'" : "", (unsigned long long)hh_key_last_write(k));
    int nv = 0, ns = 0;
    int rc = hh_key_value_count(k, &nv, err, sizeof err);
    sb_printf(b, "  values %d %d %s\n", rc, nv, rc == 1 ? "" : err);
    for (int i = 0; i < nv; i++) {
        hh_value *v = NULL;
        if (hh_key_value_at(k, i, &v, err, sizeof err) != 1) {
            sb_printf(b, "  value %d error: %s\n", i, err);
            continue;
        }
        dump_value(b, v);
        char name[4096];
        snprintf(name, sizeof name, "%s", hh_value_name(v));
        hh_value_free(&v);
        /* By name, spread as for subkeys below. */
        for (int variant = 0; variant < 2 && (nv <= 4 || i < 2 || i % 64 == 0 || i == nv - 1); variant++) {
            char q[4096];
            case_map(q, name, variant == 0);
            int r = hh_key_value(k, variant ? name : q, &v, err, sizeof err);
            sb_printf(b, "  by name '%s': %d", variant ? name : q, r);
            if (r == 1)
                dump_value(b, v);
            else
                sb_printf(b, " %s\n", r < 0 ? err : "");
            hh_value_free(&v);
        }
    }
    hh_value *v = NULL;
    rc = hh_key_value(k, "hivehunt-absent", &v, err, sizeof err);
    sb_printf(b, "  absent value: %d\n", rc);
    hh_value_free(&v);
    rc = hh_key_subkey_count(k, &ns, err, sizeof err);
    sb_printf(b, "  subkeys %d %d %s\n", rc, ns, rc == 1 ? "" : err);
    dump_lookup(b, k, "hivehunt-absent");
}

typedef struct {
    const char *what;
    size_t keys;
    int differs;
} walk_ctx;

static int same(walk_ctx *w, sbuf *a, sbuf *b)
{
    if (a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0))
        return 1;
    if (!w->differs) {
        size_t i = 0;
        while (i < a->n && i < b->n && a->p[i] == b->p[i])
            i++;
        size_t from = i;
        while (from > 0 && a->p[from - 1] != '\n')
            from--;
        printf("DIFF %s\n  cells:   %.300s\n  libregf: %.300s\n", w->what, a->p ? a->p + from : "",
               b->p ? b->p + from : "");
    }
    w->differs = 1;
    return 0;
}

static void walk(walk_ctx *w, hh_key *ka, hh_key *kb, int depth)
{
    if (w->differs || ++w->keys > MAX_KEYS)
        return;
    sbuf a = {0}, b = {0};
    dump_key(&a, ka);
    dump_key(&b, kb);
    int ns = 0;
    char err[HH_ERRLEN];
    hh_key_subkey_count(ka, &ns, err, sizeof err);
    for (int i = 0; i < ns && same(w, &a, &b) && depth < MAX_DEPTH; i++) {
        a.n = b.n = 0;
        hh_key *ca = NULL, *cb = NULL;
        char ea[HH_ERRLEN], eb[HH_ERRLEN];
        int ra = hh_key_subkey_at(ka, i, &ca, ea, sizeof ea);
        int rb = hh_key_subkey_at(kb, i, &cb, eb, sizeof eb);
        sb_printf(&a, "subkey %d of '%s': %d %s\n", i, hh_key_path(ka), ra, ra == 1 ? hh_key_path(ca) : ea);
        sb_printf(&b, "subkey %d of '%s': %d %s\n", i, hh_key_path(kb), rb, rb == 1 ? hh_key_path(cb) : eb);
        /* A lookup costs libregf a pass over the list: every child of
         * small keys, a spread of them in large ones (the first, every
         * 64th, the last). */
        int probe = ns <= 4 || i < 2 || i % 64 == 0 || i == ns - 1;
        if (ra == 1 && rb == 1 && probe) {
            char name[4096], q[4096];
            snprintf(name, sizeof name, "%s", hh_key_name(ca));
            dump_lookup(&a, ka, name);
            dump_lookup(&b, kb, name);
            for (int up = 0; up < 2; up++) {
                case_map(q, name, up);
                dump_lookup(&a, ka, q);
                dump_lookup(&b, kb, q);
            }
        }
        if (ra == 1 && rb == 1 && same(w, &a, &b))
            walk(w, ca, cb, depth + 1);
        hh_key_free(&ca);
        hh_key_free(&cb);
    }
    same(w, &a, &b);
    free(a.p);
    free(b.p);
}

static void dump_open(sbuf *s, int rc, hh_hive *h, const char *err)
{
    sb_printf(s, "open %d %s\n", rc, rc == 1 ? "" : err);
    if (rc != 1)
        return;
    const hh_hive_info *in = hh_hive_get_info(h);
    sb_printf(s, "kind %d root '%s' user '%s'\n", in->kind, in->root_name, in->user);
}

static void dump_warnings(sbuf *s, hh_hive *h)
{
    for (size_t i = 0; i < hh_hive_warning_count(h); i++)
        sb_printf(s, "warning %s\n", hh_hive_warning(h, i));
}

/* 1 when both readers agree on the hive in data. */
static int compare(const char *what, const uint8_t *data, size_t len)
{
    hh_hive *h[2] = {NULL, NULL};
    char err[2][HH_ERRLEN];
    int rc[2];
    for (int r = 0; r < 2; r++) {
        hh_open_options o;
        hh_open_options_default(&o);
        o.reader = r == 0 ? HH_READER_CELLS : HH_READER_LIBREGF;
        rc[r] = hh_hive_open_memory(what, data, len, &o, &h[r], err[r], sizeof err[r]);
    }
    walk_ctx w = {what, 0, 0};
    sbuf a = {0}, b = {0};
    dump_open(&a, rc[0], h[0], err[0]);
    dump_open(&b, rc[1], h[1], err[1]);
    if (same(&w, &a, &b) && rc[0] == 1) {
        hh_key *ra = NULL, *rb = NULL;
        char ea[HH_ERRLEN], eb[HH_ERRLEN];
        int xa = hh_key_open(h[0], NULL, "", &ra, ea, sizeof ea);
        int xb = hh_key_open(h[1], NULL, "", &rb, eb, sizeof eb);
        a.n = b.n = 0;
        sb_printf(&a, "root %d\n", xa);
        sb_printf(&b, "root %d\n", xb);
        if (same(&w, &a, &b) && xa == 1)
            walk(&w, ra, rb, 0);
        hh_key_free(&ra);
        hh_key_free(&rb);
        a.n = b.n = 0;
        dump_warnings(&a, h[0]);
        dump_warnings(&b, h[1]);
        same(&w, &a, &b);
    }
    free(a.p);
    free(b.p);
    hh_hive_close(&h[0]);
    hh_hive_close(&h[1]);
    return !w.differs;
}

/* ---- mutants --------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t s = rng_state;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    rng_state = s;
    return (s * 0x2545F4914F6CDD1Dull) >> 11;
}
static uint32_t below(uint32_t n) { return n ? (uint32_t)(rnd() % n) : 0; }

typedef struct {
    uint32_t pos; /* file offset of the size field */
    char sig[2];
} cellref;

/* Every cell of the bins, as mutate.lua's walk finds them. */
static size_t cells_of(const uint8_t *d, size_t len, cellref *out, size_t max)
{
    size_t n = 0;
    size_t pos = 4096;
    while (pos + 32 <= len && memcmp(d + pos, "hbin", 4) == 0) {
        uint32_t bs = hh_le32(d + pos + 8);
        if (bs < 4096 || pos + bs > len)
            break;
        size_t c = pos + 32;
        while (c + 8 <= pos + bs && n < max) {
            int32_t sz = (int32_t)hh_le32(d + c);
            uint32_t l = sz < 0 ? (uint32_t)-(int64_t)sz : (uint32_t)sz;
            if (l < 8 || c + l > pos + bs)
                break;
            out[n].pos = (uint32_t)c;
            memcpy(out[n].sig, d + c + 4, 2);
            n++;
            c += l;
        }
        pos += bs;
    }
    return n;
}

/* Damage as the hostile tests do (structure-aware field lies, cell sizes,
 * bit flips, block copies) plus name bytes outside ASCII, where the cells
 * reader must hand over to libregf. */
static void mutate(uint8_t *d, size_t len, uint64_t seed, const cellref *cells, size_t ncells)
{
    rng_state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (!rng_state)
        rng_state = 1;
    int n = 1 + (int)below(3);
    for (int m = 0; m < n && ncells; m++) {
        const cellref *c = &cells[below((uint32_t)ncells)];
        uint8_t *p = d + c->pos + 4;
        size_t room = len - (c->pos + 4);
        switch (below(6)) {
        case 0: { /* a field of a typed cell */
            static const uint8_t nkf[] = {0x02, 0x10, 0x14, 0x1C, 0x24, 0x28, 0x2C, 0x30, 0x48, 0x4A};
            static const uint8_t vkf[] = {0x02, 0x04, 0x08, 0x0C, 0x10};
            static const uint8_t lf[] = {0x02, 0x04, 0x08, 0x0C};
            const uint8_t *f = nkf;
            size_t nf = sizeof nkf;
            if (!memcmp(c->sig, "vk", 2)) f = vkf, nf = sizeof vkf;
            else if (memcmp(c->sig, "nk", 2)) f = lf, nf = sizeof lf;
            uint32_t off = f[below((uint32_t)nf)];
            uint32_t vals[] = {0, 0xFFFFFFFFu, 0x80000000u, below(0x100), cells[below((uint32_t)ncells)].pos - 4096u,
                               (uint32_t)rnd()};
            uint32_t v = vals[below(6)];
            int two = off == 0x02 || off == 0x48 || off == 0x4A || (off == 0x10 && c->sig[0] == 'v');
            if (off + 4 <= room) {
                if (two)
                    hh_put_le16(p + off, (uint16_t)v);
                else
                    hh_put_le32(p + off, v);
            }
            break;
        }
        case 1: { /* the cell's size */
            int32_t cur = (int32_t)hh_le32(d + c->pos);
            int32_t ch[] = {0, 8, -8, cur * 2, -cur, cur + 8, cur - 8};
            hh_put_le32(d + c->pos, (uint32_t)ch[below(7)]);
            break;
        }
        case 2: /* a name byte outside ASCII */
            if (!memcmp(c->sig, "nk", 2) && room > 0x4C)
                p[0x4C + below(4) % (room - 0x4C)] = (uint8_t)(0x80 + below(0x80));
            else if (!memcmp(c->sig, "vk", 2) && room > 0x14)
                p[0x14 + below(4) % (room - 0x14)] = (uint8_t)(0x80 + below(0x80));
            break;
        case 3: /* the compressed-name flag, so names read as UTF-16 or 8-bit */
            if (!memcmp(c->sig, "nk", 2) && room > 4)
                p[0x02] ^= 0x20;
            else if (!memcmp(c->sig, "vk", 2) && room > 0x12)
                p[0x10] ^= 0x01;
            break;
        case 4: { /* bit flips */
            int k = 1 + (int)below(8);
            for (int i = 0; i < k; i++) {
                size_t at = 4096 + below((uint32_t)(len - 4096));
                d[at] ^= (uint8_t)(1u << below(8));
            }
            break;
        }
        default: { /* a block copied over another */
            uint32_t bn = 16 + below(256);
            if (len > 4096 + bn) {
                size_t from = 4096 + below((uint32_t)(len - 4096 - bn)), to = 4096 + below((uint32_t)(len - 4096 - bn));
                memmove(d + to, d + from, bn);
            }
            break;
        }
        }
    }
}

int main(int argc, char **argv)
{
    int mutants = 0, first = 1, bad = 0, hives = 0, runs = 0;
    if (argc > 2 && strcmp(argv[1], "--mutants") == 0) {
        mutants = atoi(argv[2]);
        first = 3;
    }
    for (int a = first; a < argc; a++) {
        uint8_t *data = NULL;
        size_t len = 0;
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            fprintf(stderr, "readerdiff: cannot open %s\n", argv[a]);
            return 2;
        }
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        if (sz > 0) {
            data = malloc((size_t)sz);
            len = data ? fread(data, 1, (size_t)sz, f) : 0;
        }
        fclose(f);
        hives++;
        runs++;
        if (!compare(argv[a], data, len))
            bad++;
        if (mutants && len > 4096) {
            cellref *cells = malloc(200000 * sizeof *cells);
            size_t nc = cells ? cells_of(data, len, cells, 200000) : 0;
            uint8_t *m = malloc(len);
            for (int s = 1; s <= mutants && m; s++) {
                memcpy(m, data, len);
                mutate(m, len, (uint64_t)s, cells, nc);
                char what[4200];
                snprintf(what, sizeof what, "%s mutant %d", argv[a], s);
                runs++;
                if (!compare(what, m, len)) {
                    bad++;
                    const char *dir = getenv("READERDIFF_SAVE"); /* keep the mutant to look at */
                    char path[4300];
                    snprintf(path, sizeof path, "%s/mutant-%d-%d", dir ? dir : "", a, s);
                    FILE *o = dir ? fopen(path, "wb") : NULL;
                    if (o) {
                        fwrite(m, 1, len, o);
                        fclose(o);
                    }
                }
            }
            free(m);
            free(cells);
        }
        free(data);
    }
    printf("readerdiff: %d hives, %d runs, %d differ\n", hives, runs, bad);
    return bad ? 1 : 0;
}
