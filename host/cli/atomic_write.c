/* Layer: cli. May call: hunt.h, base. */
/* A report reaches its file whole or not at all: temp file, then rename.
 * A case run's child writes its reports to staged files itself, named by
 * its process id, and the parent renames them once the child finished, or
 * removes them: reports never pass through the parent. */
#include "hunt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static int write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

int hh_make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void staged_name(char *buf, size_t len, const char *path, long pid)
{
    snprintf(buf, len, "%s.staged-%ld", path, pid);
}

int hh_stage_output(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    char staged[4300];
    staged_name(staged, sizeof staged, path, (long)getpid());
    /* A file of that name can only be left over from a process that had
     * this id before: it goes, and no link is followed. */
    unlink(staged);
    int fd = open(staged, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", staged, strerror(errno));
        return -1;
    }
    if (write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0 || close(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", staged, strerror(errno));
        unlink(staged);
        return -1;
    }
    return 1;
}

int hh_commit_staged(const char *path, long pid, char *err, size_t errlen)
{
    char staged[4300];
    staged_name(staged, sizeof staged, path, pid);
    if (rename(staged, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(staged);
        return -1;
    }
    return 1;
}

void hh_drop_staged(const char *path, long pid)
{
    char staged[4300];
    staged_name(staged, sizeof staged, path, pid);
    unlink(staged);
}

int hh_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    if (!path || strcmp(path, "-") == 0) {
        if (len && fwrite(data, 1, len, stdout) != len) {
            snprintf(err, errlen, "cannot write to standard output: %s", strerror(errno));
            return -1;
        }
        fflush(stdout);
        return 1;
    }
    char *tmp = hh_join3(path, ".", "partial-XXXXXX");
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    if (write_all(fd, data, len) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (fchmod(fd, 0644) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 1;
}
