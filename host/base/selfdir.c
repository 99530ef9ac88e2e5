/* Layer: base, the bottom. May call: libc only. */
#include "selfdir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *hh_self_dir(void)
{
    static char dir[PATH_MAX];
    static int done;
    if (!done) {
        done = 1;
        /* The kernel's link names the file itself, symlinks resolved, so a
         * /usr/local/bin/hivehunt symlink still finds its real tree. */
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        if (n <= 0) {
            dir[0] = '\0';
        } else {
            dir[n] = '\0';
            char *slash = strrchr(dir, '/');
            if (slash)
                *(slash == dir ? slash + 1 : slash) = '\0';
            else
                dir[0] = '\0';
        }
    }
    return dir;
}

/* 1 when the binary runs from inside the build tree it was built in. */
static int in_build_tree(void)
{
    static int answer = -1;
    if (answer < 0) {
        char root[PATH_MAX];
        const char *self = hh_self_dir();
        size_t n;
        answer = realpath(HH_BUILD_ROOT, root) && *self && (n = strlen(root)) > 0 && strncmp(self, root, n) == 0 &&
                 (self[n] == '/' || self[n] == '\0');
    }
    return answer;
}

/* buf: PATH_MAX bytes. */
static const char *pick(char *buf, const char *build_dir, const char *rel, const char *install_dir)
{
    if (in_build_tree() && is_dir(build_dir))
        return build_dir;
    const char *self = hh_self_dir();
    char joined[PATH_MAX];
    /* realpath: paths in messages and listings read /opt/x/lib/..., not bin/../lib. */
    if (*self && snprintf(joined, sizeof joined, "%s/%s", self, rel) < (int)sizeof joined &&
        realpath(joined, buf) && is_dir(buf))
        return buf;
    /* A binary that is neither (lua5.4 loading the hh.regf module, say). */
    if (is_dir(build_dir))
        return build_dir;
    return install_dir;
}

const char *hh_default_plugin_dir(void)
{
    static char buf[PATH_MAX];
    static const char *dir;
    if (!dir)
        dir = pick(buf, HH_BUILD_PLUGIN_DIR, HH_REL_PLUGIN_DIR, HH_INSTALL_PLUGIN_DIR);
    return dir;
}

const char *hh_default_lua_dir(void)
{
    static char buf[PATH_MAX];
    static const char *dir;
    if (!dir)
        dir = pick(buf, HH_BUILD_LUA_DIR, HH_REL_LUA_DIR, HH_INSTALL_LUA_DIR);
    return dir;
}
