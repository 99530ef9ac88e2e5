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

typedef struct hh_small_alloc hh_small_alloc;

hh_small_alloc *hh_small_alloc_new(void);
/* Releases the slabs: every block is gone with them. */
void hh_small_alloc_free(hh_small_alloc *a);
/* lua_Alloc semantics: osize is the block's size when ptr is not NULL;
 * nsize 0 frees and returns NULL; NULL on failure leaves ptr as it was. */
void *hh_small_alloc_realloc(hh_small_alloc *a, void *ptr, size_t osize, size_t nsize);

#endif
