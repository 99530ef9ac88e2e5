/* LD_PRELOAD'ed by isolate_spec.lua: mremap fails as it does when memory
 * runs out, so the parent cannot grow the buffer a child's report goes to. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <sys/mman.h>

void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...)
{
    (void)old_address;
    (void)old_size;
    (void)new_size;
    (void)flags;
    errno = ENOMEM;
    return MAP_FAILED;
}
