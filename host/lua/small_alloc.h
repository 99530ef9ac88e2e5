/* Layer: lua, below the sandbox. */
/* The Lua state's allocator for small objects. A hunt holds hundreds of
 * thousands of small strings and tables (a row is ~40 of them); malloc adds
 * 8-16 bytes of header to each and a general-purpose search to every call.
 * Lua always says how big a block is when it frees or resizes it, so small
 * blocks can live headerless in per-size free lists carved from large slabs.
 * Larger blocks go to malloc. */
#ifndef HH_SMALL_ALLOC_H
#define HH_SMALL_ALLOC_H

#include <stddef.h>

#include "hh_asan.h"

enum { HH_SMALL_GRAIN = 16, HH_SMALL_MAX = 512 };

typedef struct hh_small_alloc {
    void *free[HH_SMALL_MAX / HH_SMALL_GRAIN + 1]; /* per class: a list linked through the blocks */
    char *bump, *bump_end;                         /* the unused end of the newest slab */
    void *slabs;
} hh_small_alloc;

hh_small_alloc *hh_small_alloc_new(void);
/* Releases the slabs: every block is gone with them. */
void hh_small_alloc_free(hh_small_alloc *a);
/* lua_Alloc semantics: osize is the block's size when ptr is not NULL;
 * nsize 0 frees and returns NULL; NULL on failure leaves ptr as it was. */
void *hh_small_alloc_realloc(hh_small_alloc *a, void *ptr, size_t osize, size_t nsize);

/* A size's class (1 to HH_SMALL_MAX bytes: 1 to 32), in grains. */
static inline size_t hh_small_class(size_t n) { return (n + HH_SMALL_GRAIN - 1) / HH_SMALL_GRAIN; }

/* A block of class cls from its free list or the newest slab's unused end;
 * NULL when a new slab is needed (hh_small_alloc_realloc makes one). */
static inline void *hh_small_take(hh_small_alloc *a, size_t cls)
{
    void **b = a->free[cls];
    if (b) {
        a->free[cls] = *b;
        return b;
    }
    size_t bytes = cls * HH_SMALL_GRAIN;
    if ((size_t)(a->bump_end - a->bump) < bytes)
        return NULL;
    void *p = a->bump;
    a->bump += bytes;
    return p;
}

/* A block of class cls back on its free list. */
static inline void hh_small_give(hh_small_alloc *a, void *p, size_t cls)
{
    *(void **)p = a->free[cls];
    a->free[cls] = p;
}

/* hh_small_alloc_realloc, with the calls Lua makes most (a new small block,
 * a small block freed) inline: the allocator runs at every table and string. */
static inline void *hh_small_alloc_fast(hh_small_alloc *a, void *ptr, size_t osize, size_t nsize)
{
#ifndef HH_UNDER_ASAN
    if (!ptr) {
        if (nsize - 1 < HH_SMALL_MAX) { /* 1 to HH_SMALL_MAX */
            void *p = hh_small_take(a, hh_small_class(nsize));
            if (p)
                return p;
        }
    } else if (nsize == 0 && osize <= HH_SMALL_MAX) {
        hh_small_give(a, ptr, hh_small_class(osize));
        return NULL;
    }
#endif
    return hh_small_alloc_realloc(a, ptr, osize, nsize);
}

#endif
