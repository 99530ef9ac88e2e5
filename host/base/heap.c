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

/* The first huge-page boundary of the advised heap; 0 when there is none. */
static uintptr_t huge_start;
static int claimed;

static uintptr_t huge_floor(uintptr_t a) { return a & ~(HUGE_PAGE - 1); }
static uintptr_t huge_ceil(uintptr_t a) { return huge_floor(a + HUGE_PAGE - 1); }

void hh_heap_prefer_huge_pages(void)
{
#if defined(MADV_HUGEPAGE) && !defined(HH_UNDER_ASAN)
    /* Blocks up to 32 MB come from the heap rather than a mapping each. */
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TOP_PAD, (int)HEAP_STEP) != 1 ||
        mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_STEP)) != 1)
        return;
    uintptr_t before = (uintptr_t)sbrk(0);
    if (before == (uintptr_t)-1)
        return;
    /* Below the first boundary there could only be small pages: move the
     * break up to it (address space only; nothing there is touched). */
    if (before != huge_ceil(before) && sbrk((intptr_t)(huge_ceil(before) - before)) != (void *)-1)
        before = huge_ceil(before);
    /* Nothing has been allocated yet, so a small block makes the heap grow
     * now, by the step; freed, the step stays the heap's (under the trim
     * threshold). Should malloc have been used before main, a block larger
     * than what its heap still holds does the same. */
    void *volatile block = malloc(64); /* volatile: kept from the optimiser */
    free(block);
    if ((uintptr_t)sbrk(0) <= before) {
        block = malloc(HEAP_STEP / 4);
        free(block);
    }
    uintptr_t after = (uintptr_t)sbrk(0);
    if (after == (uintptr_t)-1 || after <= before)
        return;
    uintptr_t start = huge_ceil(before), end = huge_floor(after);
    if (end > start && madvise((void *)start, end - start, MADV_HUGEPAGE) == 0)
        huge_start = start;
#endif
}

/* Where the heap's free top begins (glibc's main arena). */
static uintptr_t heap_top(void)
{
    struct mallinfo2 mi = mallinfo2();
    uintptr_t brk_now = (uintptr_t)sbrk(0);
    return brk_now > mi.keepcost ? brk_now - mi.keepcost : 0;
}

uintptr_t hh_heap_huge_start(void) { return huge_start; }

void hh_heap_claim(void)
{
#if defined(MADV_HUGEPAGE) && !defined(HH_UNDER_ASAN)
    if (!huge_start || claimed)
        return;
    claimed = 1;
    uintptr_t top = heap_top(), end = (uintptr_t)sbrk(0);
    if (!top || end == (uintptr_t)-1)
        return;
    /* A forked child shares every page its parent touched: its first write
     * to one copies it, 4 KB at a time, and splits a shared huge page into
     * 4 KB pages that each fault. So the child allocates from the next
     * boundary on, where its first touch takes a huge page of its own.
     * (MADV_COLLAPSE of the shared pages instead drains every CPU's page
     * lists and waits for the other CPUs' workers: with another hunt
     * running there, a child stood still for milliseconds.) */
    uintptr_t fresh = huge_ceil(top + 64);
    /* The free top above the boundary: drop this process's view of what
     * the parent left there, so it comes back as fresh huge pages. */
    if (end > fresh)
        madvise((void *)fresh, end - fresh, MADV_DONTNEED);
    /* The rest of the top's huge page goes to a block that is never used
     * nor freed. */
    void *filler = malloc(fresh - top - sizeof(size_t));
    if ((uintptr_t)filler != top + 2 * sizeof(size_t))
        free(filler); /* served from a free chunk, not the top: leave it */
#endif
}

void *hh_huge_mapping(size_t size, size_t *len)
{
    size_t want = huge_ceil(size);
    size_t span = want + HUGE_PAGE;
    uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t start = huge_ceil((uintptr_t)m);
    size_t head = start - (uintptr_t)m;
    if (head)
        munmap(m, head);
    if (span - head > want)
        munmap((uint8_t *)start + want, span - head - want);
#ifdef MADV_HUGEPAGE
    madvise((void *)start, want, MADV_HUGEPAGE); /* best effort */
#endif
    *len = want;
    return (void *)start;
}
