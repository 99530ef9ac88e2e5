/* Layer: cli. May call: base only. */
/* Case discovery: every SYSTEM hive under a folder, paired with the
 * SOFTWARE hive beside it and the users' NTUSER.DAT of the same Windows,
 * named for the host folder it sits in; user hives without a SYSTEM make
 * hosts of their own. */
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

/* A user hive found on the walk, before it is given to its host. */
typedef struct user_file {
    char *path, *root, *rel_root;
} user_file;

typedef struct user_files {
    user_file *items;
    size_t n;
} user_files;

static int user_hive_name(const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(name, "ntuser", 6) == 0 && n >= 10 && strcasecmp(name + n - 4, ".dat") == 0;
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* The drive root of a Windows whose config folder is dir: dir without a
 * trailing /Windows/System32/config (any case); dir itself otherwise. */
static char *root_of_config(const char *dir)
{
    static const char tail[] = "/windows/system32/config";
    size_t n = strlen(dir), t = sizeof tail - 1;
    if (n > t && strcasecmp(dir + n - t, tail) == 0)
        return dupn(dir, n - t);
    if (n == t - 1 && strcasecmp(dir, tail + 1) == 0)
        return hh_strdup(".");
    return hh_strdup(dir);
}

/* The path without its last k components ("a/b/c", 2 -> "a"; "" when none is left). */
static char *drop_components(const char *p, int k)
{
    size_t n = strlen(p);
    while (k-- > 0) {
        while (n > 0 && p[n - 1] != '/')
            n--;
        while (n > 0 && p[n - 1] == '/')
            n--;
    }
    return dupn(p, n);
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
    h->system = system ? hh_strdup(system) : NULL;
    h->software = system ? find_sibling(dir, "SOFTWARE") : NULL;
    h->host = hh_strdup(host);
    h->root = system ? root_of_config(dir) : hh_strdup(dir);
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

static void note_user_file(user_files *u, const char *path, const char *dir, const char *rel)
{
    user_file *grown = realloc(u->items, (u->n + 1) * sizeof *grown);
    if (!grown)
        return;
    u->items = grown;
    user_file *f = &u->items[u->n];
    /* <root>/Users/<name>/NTUSER.DAT: the root is two folders up; a flat
     * NTUSER*.DAT belongs to the folder it sits in. */
    char *up = drop_components(dir, 1);
    const char *slash = up ? strrchr(up, '/') : NULL;
    const char *profiles = slash ? slash + 1 : (up ? up : "");
    int layout = strcasecmp(profiles, "Users") == 0 || strcasecmp(profiles, "Documents and Settings") == 0;
    free(up);
    f->path = hh_strdup(path);
    f->root = layout ? drop_components(dir, 2) : hh_strdup(dir);
    f->rel_root = layout ? drop_components(rel, 2) : hh_strdup(rel);
    if (f->path && f->root && f->rel_root) {
        u->n++;
    } else {
        free(f->path);
        free(f->root);
        free(f->rel_root);
    }
}

/* rel: path of dir relative to the case root ("" for the root). */
static void walk(hh_case *c, user_files *u, const char *root_name, const char *dir, const char *rel, int depth)
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
        } else if (is_file && user_hive_name(names[i])) {
            note_user_file(u, path, dir, rel);
        } else if (is_dir) {
            char *sub = rel[0] ? hh_join3(rel, "/", names[i]) : hh_strdup(names[i]);
            if (sub)
                walk(c, u, root_name, path, sub, depth + 1);
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
    user_files u = {0};
    walk(c, &u, root, dir, "", 0);
    if (c->error) {
        snprintf(err, errlen, "%s", strerror(c->error));
        for (size_t i = 0; i < u.n; i++) {
            free(u.items[i].path);
            free(u.items[i].root);
            free(u.items[i].rel_root);
        }
        free(u.items);
        return -1;
    }
    /* Each user hive joins the host of the same Windows (the same drive
     * root); the rest make hosts of their own, one per drive root. */
    for (size_t i = 0; i < u.n; i++) {
        hh_case_host *h = NULL;
        for (size_t k = 0; k < c->count && !h; k++)
            if (c->hosts[k].root && strcmp(c->hosts[k].root, u.items[i].root) == 0)
                h = &c->hosts[k];
        if (!h) {
            char host[256];
            host_from_rel(u.items[i].rel_root, root, host, sizeof host);
            if (add_host(c, NULL, u.items[i].root, host) == 0)
                h = &c->hosts[c->count - 1];
        }
        if (h && h->nusers < HH_CASE_MAX_USER_HIVES)
            h->users[h->nusers++] = u.items[i].path;
        else
            free(u.items[i].path);
        free(u.items[i].root);
        free(u.items[i].rel_root);
    }
    free(u.items);
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
        free(c->hosts[i].root);
        free(c->hosts[i].by_plugin);
        free(c->hosts[i].failed_hives);
        for (size_t k = 0; k < c->hosts[i].nusers; k++)
            free(c->hosts[i].users[k]);
    }
    free(c->hosts);
    memset(c, 0, sizeof *c);
}
