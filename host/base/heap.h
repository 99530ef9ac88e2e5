/* Layer: base. May call: libc. */
/* How the process's heap is laid out: see heap.c. */
#ifndef HH_HEAP_H
#define HH_HEAP_H

/* Called once, first thing in main: the heap grows in large steps backed by
 * transparent huge pages where the kernel offers them on request. */
void hh_heap_prefer_huge_pages(void);

/* Called where a process starts the work of a hunt (a forked child, or
 * the one process running it inline): the heap's first huge page becomes
 * this process's own instead of faulting in page by page. Once per process. */
void hh_heap_claim(void);

#endif
