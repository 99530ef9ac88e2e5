/* The heap's huge-page layout (heap.c): it starts on a boundary, and a
 * forked child that claims it allocates sound memory from a fresh boundary
 * past its parent's pages, whether the parent's heap is small or large.
 * And a huge-page mapping of its own (hh_huge_mapping) is laid out so. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heap.h"
#include "tap.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Child checks, as bits of the exit code (0: all held). */
enum { BAD_ALLOC = 1, BAD_CONTENT = 2, NOT_FRESH = 4, BAD_PARENT_DATA = 8 };

static int fill_and_check(size_t n, unsigned char seed)
{
    unsigned char *p = malloc(n);
    if (!p)
        return BAD_ALLOC;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return BAD_CONTENT;
    free(p);
    return 0;
}

/* Forks; the child claims the heap, runs check, and exits with its bits. */
static int in_child(int (*check)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        hh_heap_claim();
        hh_heap_claim(); /* a second call changes nothing */
        _exit(check(arg));
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* The first block from the top starts right after a fresh boundary. */
static int first_block_fresh(void)
{
    unsigned char *p = malloc((size_t)1 << 20);
    if (!p)
        return BAD_ALLOC;
    int bits = ((uintptr_t)p & (HUGE_PAGE - 1)) != 2 * sizeof(size_t) ? NOT_FRESH : 0;
    free(p);
    return bits;
}

static int small_parent(void *arg)
{
    (void)arg;
    int bits = first_block_fresh();
    /* many small blocks and a few large ones: the first huge page and past it */
    for (int i = 0; i < 2000; i++)
        bits |= fill_and_check(64 + (size_t)i, (unsigned char)i);
    bits |= fill_and_check((size_t)5 << 20, 3);
    return bits;
}

static int large_parent(void *arg)
{
    const unsigned char *big = arg;
    int bits = 0;
    for (size_t i = 0; i < ((size_t)3 << 20); i += 4096)
        if (big[i] != 0x5a)
            bits |= BAD_PARENT_DATA;
    bits |= first_block_fresh();
    bits |= fill_and_check((size_t)6 << 20, 9);
    /* the parent's pages are the child's to write too (copied on write) */
    memset((void *)big, 0xa5, (size_t)3 << 20);
    return bits;
}

/* A mapping of its own for a size that is no multiple of a huge page. */
static void huge_mapping(void)
{
    size_t size = ((size_t)3 << 20) + 12345, len = 0;
    unsigned char *p = hh_huge_mapping(size, &len);
    if (!ok(p != NULL, "a huge-page mapping is made"))
        return;
    ok((uintptr_t)p % HUGE_PAGE == 0 && len % HUGE_PAGE == 0 && len >= size && len < size + HUGE_PAGE,
       "it starts on a huge-page boundary and is whole huge pages, no more than it needs");
    memset(p, 0x77, len);
    ok(p[0] == 0x77 && p[len - 1] == 0x77, "all of it can be written");
    munmap(p, len);
}

int main(void)
{
    hh_heap_prefer_huge_pages();
    huge_mapping();
    uintptr_t start = hh_heap_huge_start();
    if (!start) {
        printf("# the heap is not laid out for huge pages here: its checks are skipped\n");
        return done_testing();
    }
    ok(start % HUGE_PAGE == 0, "the advised heap starts on a huge-page boundary");
    ok(in_child(small_parent, NULL) == 0, "a child of a small parent allocates from a fresh boundary and reads back what it wrote");

    unsigned char *big = malloc((size_t)3 << 20);
    void *pin = malloc(64); /* keeps big from going back to the heap's top */
    if (!ok(big && pin, "the parent's heap reaches past the first huge page"))
        return done_testing();
    memset(big, 0x5a, (size_t)3 << 20);
    ok(in_child(large_parent, big) == 0,
       "a child of a large parent allocates from a fresh boundary, and its parent's data reads and writes");
    ok(big[0] == 0x5a && big[((size_t)3 << 20) - 1] == 0x5a, "the child's writes stay the child's");
    free(pin);
    free(big);
    return done_testing();
}
