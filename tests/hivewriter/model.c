#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *hw_xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "hh-mkhive: out of memory\n");
        exit(70);
    }
    return p;
}

void *hw_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "hh-mkhive: out of memory\n");
        exit(70);
    }
    return q;
}

hw_str hw_str_from_ascii(const char *s)
{
    hw_str r;
    r.n = strlen(s);
    r.u = hw_xmalloc((r.n + 1) * sizeof(uint16_t));
    for (size_t i = 0; i < r.n; i++)
        r.u[i] = (unsigned char)s[i];
    return r;
}

hw_str hw_str_dup(hw_str s)
{
    hw_str r;
    r.n = s.n;
    r.u = hw_xmalloc((s.n + 1) * sizeof(uint16_t));
    if (s.n)
        memcpy(r.u, s.u, s.n * sizeof(uint16_t));
    return r;
}

void hw_str_free(hw_str *s)
{
    free(s->u);
    s->u = NULL;
    s->n = 0;
}

/* ASCII and Latin-1 letters: enough for the names fixtures use. */
uint16_t hw_upcase(uint16_t c)
{
    if (c >= 'a' && c <= 'z')
        return (uint16_t)(c - 32);
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return (uint16_t)(c - 32);
    return c;
}

int hw_str_casecmp(hw_str a, hw_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    for (size_t i = 0; i < n; i++) {
        uint16_t x = hw_upcase(a.u[i]), y = hw_upcase(b.u[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    if (a.n == b.n)
        return 0;
    return a.n < b.n ? -1 : 1;
}

hw_hive *hw_hive_new(void)
{
    hw_hive *h = hw_xmalloc(sizeof *h);
    h->root = hw_key_new(hw_str_from_ascii("ROOT"), NULL);
    h->file_name = hw_str_from_ascii("");
    h->minor = 5;
    h->ri_threshold = 512;
    return h;
}

void hw_hive_free(hw_hive *h)
{
    if (!h)
        return;
    hw_key_free(h->root);
    hw_str_free(&h->file_name);
    free(h);
}

hw_key *hw_key_new(hw_str name, hw_key *parent)
{
    hw_key *k = hw_xmalloc(sizeof *k);
    k->name = name;
    k->parent = parent;
    if (parent) {
        if (parent->nsub == parent->capsub) {
            parent->capsub = parent->capsub ? parent->capsub * 2 : 4;
            parent->sub = hw_xrealloc(parent->sub, parent->capsub * sizeof *parent->sub);
        }
        parent->sub[parent->nsub++] = k;
    }
    return k;
}

static void value_free(hw_value *v)
{
    hw_str_free(&v->name);
    free(v->data);
    v->data = NULL;
}

void hw_key_free(hw_key *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nsub; i++)
        hw_key_free(k->sub[i]);
    for (size_t i = 0; i < k->nval; i++)
        value_free(&k->val[i]);
    free(k->sub);
    free(k->val);
    hw_str_free(&k->name);
    hw_str_free(&k->class_name);
    free(k);
}

hw_key *hw_key_child(const hw_key *k, hw_str name)
{
    /* A live key wins over a deleted one of the same name. */
    hw_key *deleted = NULL;
    for (size_t i = 0; i < k->nsub; i++) {
        if (hw_str_casecmp(k->sub[i]->name, name) == 0) {
            if (!k->sub[i]->deleted)
                return k->sub[i];
            deleted = k->sub[i];
        }
    }
    return deleted;
}

void hw_key_remove(hw_key *k)
{
    hw_key *p = k->parent;
    if (p) {
        for (size_t i = 0; i < p->nsub; i++) {
            if (p->sub[i] == k) {
                memmove(&p->sub[i], &p->sub[i + 1], (p->nsub - i - 1) * sizeof *p->sub);
                p->nsub--;
                break;
            }
        }
    }
    hw_key_free(k);
}

hw_key *hw_key_copy(const hw_key *src, hw_key *parent, hw_str name)
{
    hw_key *k = hw_key_new(name, parent);
    if (src->has_class) {
        k->class_name = hw_str_dup(src->class_name);
        k->has_class = 1;
    }
    k->last_write = src->last_write;
    k->has_last_write = src->has_last_write;
    k->deleted = src->deleted;
    for (size_t i = 0; i < src->nval; i++) {
        hw_value v = src->val[i];
        v.name = hw_str_dup(src->val[i].name);
        v.data = hw_xmalloc(v.len);
        if (v.len)
            memcpy(v.data, src->val[i].data, v.len);
        hw_key_set_value(k, &v);
    }
    for (size_t i = 0; i < src->nsub; i++)
        hw_key_copy(src->sub[i], k, hw_str_dup(src->sub[i]->name));
    return k;
}

void hw_key_set_value(hw_key *k, hw_value *v)
{
    for (size_t i = 0; i < k->nval; i++) {
        if (hw_str_casecmp(k->val[i].name, v->name) == 0) {
            value_free(&k->val[i]);
            k->val[i] = *v;
            return;
        }
    }
    if (k->nval == k->capval) {
        k->capval = k->capval ? k->capval * 2 : 4;
        k->val = hw_xrealloc(k->val, k->capval * sizeof *k->val);
    }
    k->val[k->nval++] = *v;
}

int hw_key_delete_value(hw_key *k, hw_str name)
{
    for (size_t i = 0; i < k->nval; i++) {
        if (hw_str_casecmp(k->val[i].name, name) == 0) {
            value_free(&k->val[i]);
            memmove(&k->val[i], &k->val[i + 1], (k->nval - i - 1) * sizeof *k->val);
            k->nval--;
            return 1;
        }
    }
    return 0;
}

hw_key *hw_hive_lookup(hw_hive *h, hw_str *segs, size_t nsegs, int create)
{
    hw_key *k = h->root;
    for (size_t i = 0; i < nsegs; i++) {
        hw_key *c = hw_key_child(k, segs[i]);
        if (!c) {
            if (!create)
                return NULL;
            c = hw_key_new(hw_str_dup(segs[i]), k);
        }
        k = c;
    }
    return k;
}

hw_key *hw_hive_lookup_ascii(hw_hive *h, const char *path)
{
    hw_key *k = h->root;
    const char *p = path;
    while (*p == '\\')
        p++;
    while (*p) {
        const char *e = strchr(p, '\\');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        hw_str seg = { hw_xmalloc((n + 1) * sizeof(uint16_t)), n };
        for (size_t i = 0; i < n; i++)
            seg.u[i] = (unsigned char)p[i];
        k = hw_key_child(k, seg);
        hw_str_free(&seg);
        if (!k)
            return NULL;
        p += n;
        while (*p == '\\')
            p++;
    }
    return k;
}
