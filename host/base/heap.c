/* Layer: base. May call: libc. */
/* A hunt touches some 10-40 MB of heap (Lua's tables, libregf's caches,
 * the report) for well under a second. On 4 KB pages every first touch is
 * a page fault, and those faults were a quarter of a Win7 hunt's time.
 * Growing the heap in one 64 MB step (reserved, not committed) and asking
 * for transparent huge pages there turns ~2,000 faults into a few dozen:
 * the same as glibc's glibc.malloc.hugetlb=1 tunable, which must be set
 * before the process starts. Where the kernel does not offer huge pages on
 * request (or under a sanitizer's allocator) this changes nothing but the
 * step size. */
#include "heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hh_asan.h"

#define HEAP_STEP ((size_t)64 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

void hh_heap_prefer_huge_pages(void)
{
#if defined(MADV_HUGEPAGE) && !defined(HH_UNDER_ASAN)
    /* Blocks up to 32 MB come from the heap rather than a mapping each. */
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TOP_PAD, (int)HEAP_STEP) != 1 ||
        mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_STEP)) != 1)
        return;
    uintptr_t before = (uintptr_t)sbrk(0);
    /* A block the heap's top cannot hold makes it grow now, by the block
     * and the step; freed, it stays the heap's (under the trim threshold). */
    void *volatile block = malloc(HEAP_STEP / 4); /* volatile: kept from the optimiser */
    free(block);
    uintptr_t after = (uintptr_t)sbrk(0);
    if (before == (uintptr_t)-1 || after == (uintptr_t)-1 || after <= before)
        return;
    uintptr_t start = (before + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t end = after & ~(HUGE_PAGE - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);
#endif
}
