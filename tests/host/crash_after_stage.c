/* LD_PRELOAD'ed by case_spec.lua: a case child crashes as it closes its
 * staged HTML report, after its other reports were staged. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int close(int fd)
{
    static int (*real_close)(int);
    if (!real_close)
        real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0) {
        target[n] = '\0';
        if (strstr(target, "/report.html.staged-"))
            raise(SIGSEGV);
    }
    return real_close(fd);
}
