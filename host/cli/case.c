/* Layer: cli. May call: base only. */
/* Case discovery: every SYSTEM hive under a folder, paired with the
 * SOFTWARE hive beside it, named for the host folder it sits in. */
#include "case.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

/* KAPE's <host>/C/Windows/System32/config/SYSTEM is 5 deep under the host;
 * allow a little more for collection wrappers, not unbounded. */
#define CASE_MAX_DEPTH 10
#define CASE_MAX_HOSTS 100000

static char *find_sibling(const char *dir, const char *name)
{
    size_t n = 0;
    char **names = hh_dir_names_sorted(dir, &n);
    char *found = NULL;
    /* Several spellings of the name: the first in byte order wins. */
    for (size_t i = 0; names && i < n && !found; i++) {
        if (strcasecmp(names[i], name) != 0)
            continue;
        char *p = hh_join3(dir, "/", names[i]);
        struct stat st;
        if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode))
            found = p;
        else
            free(p);
    }
    hh_names_free(names, n);
    return found;
}

static void sanitize_folder(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < outlen && o < 100; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                   *p == '-' || *p == '_' || (*p == '.' && o > 0);
        out[o++] = keep ? (char)*p : '_';
    }
    out[o] = '\0';
    if (o == 0)
        snprintf(out, outlen, "host");
}

static int add_host(hh_case *c, const char *system, const char *dir, const char *host)
{
    if (c->count >= CASE_MAX_HOSTS)
        return -1;
    hh_case_host *grown = realloc(c->hosts, (c->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    c->hosts = grown;
    hh_case_host *h = &c->hosts[c->count];
    memset(h, 0, sizeof *h);
    h->system = hh_strdup(system);
    h->software = find_sibling(dir, "SOFTWARE");
    h->host = hh_strdup(host);
    c->count++;
    return 0;
}

/* The host a hive at rel (its folder, relative to the case root) belongs
 * to: the first folder under the root once the collection's own layout is
 * taken off the end (Windows/System32/config, RegBack, a drive-letter
 * folder); the root itself when nothing is left (a case that is one host). */
static void host_from_rel(const char *rel, const char *root_name, char *host, size_t hostlen)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", rel);
    char *parts[64];
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, "/", &save); t && n < 64; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    if (n && strcasecmp(parts[n - 1], "RegBack") == 0)
        n--;
    if (n >= 3 && strcasecmp(parts[n - 1], "config") == 0 && strcasecmp(parts[n - 2], "System32") == 0 &&
        strcasecmp(parts[n - 3], "Windows") == 0)
        n -= 3;
    if (n && strlen(parts[n - 1]) == 1)
        n--; /* KAPE's C folder, or any drive letter */
    snprintf(host, hostlen, "%s", n ? parts[0] : root_name);
}

/* rel: path of dir relative to the case root ("" for the root). */
static void walk(hh_case *c, const char *root_name, const char *dir, const char *rel, int depth)
{
    if (depth > CASE_MAX_DEPTH)
        return;
    size_t n = 0;
    char **names = hh_dir_names_sorted(dir, &n);
    if (!names) {
        if (depth == 0)
            c->error = errno;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *path = hh_join3(dir, "/", names[i]);
        struct stat lst, st;
        if (!path || lstat(path, &lst) != 0) {
            free(path);
            continue;
        }
        /* Files behind links are followed (cases are often assembled from
         * links); directories behind links are not, so no loop is possible. */
        int is_dir = S_ISDIR(lst.st_mode);
        int is_file = S_ISREG(lst.st_mode) || (S_ISLNK(lst.st_mode) && stat(path, &st) == 0 && S_ISREG(st.st_mode));
        if (is_file && strcasecmp(names[i], "SYSTEM") == 0) {
            char host[256];
            host_from_rel(rel, root_name, host, sizeof host);
            add_host(c, path, dir, host);
        } else if (is_dir) {
            char *sub = rel[0] ? hh_join3(rel, "/", names[i]) : hh_strdup(names[i]);
            if (sub)
                walk(c, root_name, path, sub, depth + 1);
            free(sub);
        }
        free(path);
    }
    hh_names_free(names, n);
}

int hh_case_discover(const char *dir, hh_case *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "not a directory");
        return -1;
    }
    /* The root's own name, for a case that is one host's folder. */
    char trimmed[4096], root[256];
    snprintf(trimmed, sizeof trimmed, "%s", dir);
    size_t tl = strlen(trimmed);
    while (tl > 1 && trimmed[tl - 1] == '/')
        trimmed[--tl] = '\0';
    const char *last = strrchr(trimmed, '/');
    snprintf(root, sizeof root, "%.255s", last ? last + 1 : trimmed);
    if (!root[0] || strcmp(root, ".") == 0 || strcmp(root, "..") == 0)
        snprintf(root, sizeof root, "host");
    walk(c, root, dir, "", 0);
    if (c->error) {
        snprintf(err, errlen, "%s", strerror(c->error));
        return -1;
    }
    /* Folder names: sanitized, and unique when one host holds several
     * SYSTEM hives (RegBack copies, several collections). */
    for (size_t i = 0; i < c->count; i++) {
        char base[128];
        sanitize_folder(c->hosts[i].host, base, sizeof base);
        snprintf(c->hosts[i].folder, sizeof c->hosts[i].folder, "%s", base);
        int clash = 1;
        for (int k = 2; clash; k++) {
            clash = 0;
            for (size_t j = 0; j < i; j++)
                if (strcmp(c->hosts[j].folder, c->hosts[i].folder) == 0)
                    clash = 1;
            if (clash)
                snprintf(c->hosts[i].folder, sizeof c->hosts[i].folder, "%s-%d", base, k);
        }
    }
    return 1;
}

void hh_case_free(hh_case *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->hosts[i].system);
        free(c->hosts[i].software);
        free(c->hosts[i].host);
        free(c->hosts[i].computer_name);
        free(c->hosts[i].error);
    }
    free(c->hosts);
    memset(c, 0, sizeof *c);
}
