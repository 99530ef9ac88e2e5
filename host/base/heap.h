/* Layer: base. May call: libc. */
/* How the process's heap is laid out: see heap.c. */
#ifndef HH_HEAP_H
#define HH_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Called once, first thing in main: the heap grows in large steps backed by
 * transparent huge pages where the kernel offers them on request. */
void hh_heap_prefer_huge_pages(void);

/* The first huge-page boundary of the advised heap; 0 when the heap is not
 * laid out for huge pages (a sanitizer's allocator, no kernel support). */
uintptr_t hh_heap_huge_start(void);

/* Called where a process starts the work of a hunt (a forked child, or
 * the one process running it inline): its allocations go on from the next
 * huge-page boundary, on huge pages of its own, instead of copying the
 * pages its parent touched one 4 KB page at a time. Once per process. */
void hh_heap_claim(void);

/* A buffer of at least size bytes outside the heap: a mapping of its own,
 * on a huge-page boundary and advised for huge pages, so filling it takes a
 * few huge-page faults instead of one fault per 4 KB page, whatever its
 * size (blocks over 32 MB never come from the heap). Its length goes to
 * *len, for munmap. NULL when it cannot be mapped. */
void *hh_huge_mapping(size_t size, size_t *len);

#endif
