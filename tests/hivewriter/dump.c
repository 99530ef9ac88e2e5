#include "dump.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void put_escaped(FILE *out, hw_str s)
{
    for (size_t i = 0; i < s.n; i++) {
        uint32_t c = s.u[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.n && s.u[i + 1] >= 0xDC00 && s.u[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s.u[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            fprintf(out, "\\u%04X", (unsigned)c);
            continue;
        }
        if (c < 0x20 || c == 0x7F || c == '\\')
            fprintf(out, "\\x%02X", (unsigned)c);
        else if (c < 0x80)
            fputc((int)c, out);
        else if (c < 0x800)
            fprintf(out, "%c%c", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
        else if (c < 0x10000)
            fprintf(out, "%c%c%c", 0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F));
        else
            fprintf(out, "%c%c%c%c", 0xF0 | (c >> 18), 0x80 | ((c >> 12) & 0x3F),
                    0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F));
    }
}

typedef struct pathbuf { hw_str *v; size_t n, cap; } pathbuf;

static void put_path(FILE *out, const pathbuf *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            fputc('\\', out);
        put_escaped(out, p->v[i]);
    }
}

static void dump_rec(const hw_hive *h, const hw_key *k, pathbuf *path, FILE *out)
{
    fputs("K\t", out);
    put_path(out, path);
    fprintf(out, "\t%" PRIu64 "\t", k->has_last_write ? k->last_write : h->default_last_write);
    if (k->has_class)
        put_escaped(out, k->class_name);
    else
        fputc('-', out);
    fputc('\n', out);
    for (size_t i = 0; i < k->nval; i++) {
        const hw_value *v = &k->val[i];
        fputs("V\t", out);
        put_path(out, path);
        fputc('\t', out);
        put_escaped(out, v->name);
        fprintf(out, "\t%" PRIu32 "\t", v->type);
        for (size_t b = 0; b < v->len; b++)
            fprintf(out, "%02x", v->data[b]);
        fputc('\n', out);
    }
    for (size_t i = 0; i < k->nsub; i++) {
        if (k->sub[i]->deleted)
            continue;
        if (path->n == path->cap) {
            path->cap = path->cap ? path->cap * 2 : 16;
            path->v = hw_xrealloc(path->v, path->cap * sizeof *path->v);
        }
        path->v[path->n++] = k->sub[i]->name;
        dump_rec(h, k->sub[i], path, out);
        path->n--;
    }
}

void hw_dump_expected(const hw_hive *h, FILE *out)
{
    pathbuf path = { 0 };
    dump_rec(h, h->root, &path, out);
    free(path.v);
}
