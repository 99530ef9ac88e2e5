/* Layer: lua, below the sandbox. May call: base, libc. */
#include "small_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hh_asan.h"

enum {
    GRAIN = HH_SMALL_GRAIN,      /* every class is a multiple: malloc's alignment */
    SMALL_MAX = HH_SMALL_MAX,    /* larger blocks: malloc */
    SLAB_BYTES = 256 * 1024,
};

typedef struct slab {
    struct slab *next;
    /* blocks follow, GRAIN-aligned */
} slab;

hh_small_alloc *hh_small_alloc_new(void) { return calloc(1, sizeof(hh_small_alloc)); }

void hh_small_alloc_free(hh_small_alloc *a)
{
    if (!a)
        return;
    while (a->slabs) {
        slab *s = a->slabs;
        a->slabs = s->next;
        free(s);
    }
    free(a);
}

static void *small_get(hh_small_alloc *a, size_t cls)
{
    void *p = hh_small_take(a, cls);
    if (p)
        return p;
    /* The rest of the old slab (under 512 bytes) is left unused. */
    slab *s = malloc(SLAB_BYTES);
    if (!s)
        return NULL;
    s->next = a->slabs;
    a->slabs = s;
    a->bump = (char *)s + GRAIN; /* header padded to keep blocks aligned */
    a->bump_end = (char *)s + SLAB_BYTES;
    return hh_small_take(a, cls);
}

void *hh_small_alloc_realloc(hh_small_alloc *a, void *ptr, size_t osize, size_t nsize)
{
#ifdef HH_UNDER_ASAN
    /* Under ASan every block stays a malloc block, so it is checked. */
    (void)a;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
#else
    size_t old = ptr ? osize : 0;
    int old_small = ptr && old <= SMALL_MAX;
    if (nsize == 0) {
        if (old_small)
            hh_small_give(a, ptr, hh_small_class(old));
        else
            free(ptr);
        return NULL;
    }
    if (nsize > SMALL_MAX) {
        if (!ptr || !old_small)
            return realloc(ptr, nsize);
        void *p = malloc(nsize);
        if (!p)
            return NULL;
        memcpy(p, ptr, old);
        hh_small_give(a, ptr, hh_small_class(old));
        return p;
    }
    size_t cls = hh_small_class(nsize);
    if (old_small && hh_small_class(old) == cls)
        return ptr;
    void *p = small_get(a, cls);
    if (!p)
        return NULL;
    if (ptr) {
        memcpy(p, ptr, old < nsize ? old : nsize);
        if (old_small)
            hh_small_give(a, ptr, hh_small_class(old));
        else
            free(ptr);
    }
    return p;
#endif
}
