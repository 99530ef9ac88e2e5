/* Layer: hive. May call: base (no libregf, no Lua: names only). */
/* Whose user hive this is: the account name from where the file sits in a
 * collection (Users\<name>\NTUSER.DAT, Documents and Settings\<name>\...),
 * else from the path Windows wrote into the base block when it last saved
 * the hive ("\??\C:\Users\<name>\ntuser.dat"; only its last 31 characters
 * are kept, so the name is taken only when the folder above it survived). */
#include "user.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Splits s at any of seps into at most max parts (pointers into buf). */
static size_t split(const char *s, const char *seps, char *buf, size_t buflen, char **parts, size_t max)
{
    snprintf(buf, buflen, "%s", s);
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, seps, &save); t && n < max; t = strtok_r(NULL, seps, &save))
        parts[n++] = t;
    return n;
}

/* cut: the name may have lost its start (the base block keeps a path's
 * last 31 characters): "nts and Settings" is still Documents and Settings. */
static int profiles_folder(const char *name, int cut)
{
    static const char *const folders[] = {"Users", "Documents and Settings"};
    size_t n = strlen(name);
    for (size_t i = 0; i < 2; i++) {
        size_t f = strlen(folders[i]);
        if (n == f && strcasecmp(name, folders[i]) == 0)
            return 1;
        if (cut && n >= 3 && n < f && strcasecmp(name, folders[i] + f - n) == 0)
            return 1;
    }
    return 0;
}

static int user_hive_file(const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(name, "ntuser", 6) == 0 && n >= 10 && strcasecmp(name + n - 4, ".dat") == 0;
}

/* parts[n-1] the file, parts[n-2] the account, parts[n-3] the profiles folder. */
static int take(char **parts, size_t n, int need_folder, int cut, char *out, size_t outlen)
{
    if (n < 2 || !user_hive_file(parts[n - 1]))
        return 0;
    if (need_folder && (n < 3 || !profiles_folder(parts[n - 3], cut && n == 3)))
        return 0;
    const char *name = parts[n - 2];
    if (!*name || strlen(name) >= outlen)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == ':' || *p == '?' || *p == '*')
            return 0;
    snprintf(out, outlen, "%s", name);
    return 1;
}

int hh_hive_user_guess(const char *path, const char *embedded_name, char *out, size_t outlen)
{
    char buf[4096];
    char *parts[128];
    out[0] = '\0';
    if (path) {
        size_t n = split(path, "/", buf, sizeof buf, parts, 128);
        if (take(parts, n, 1, 0, out, outlen))
            return 1;
    }
    if (embedded_name && *embedded_name) {
        size_t n = split(embedded_name, "\\", buf, sizeof buf, parts, 128);
        /* The account must not be the first part: that one may be cut. */
        if (n >= 3 && take(parts, n, 1, 1, out, outlen))
            return 1;
    }
    return 0;
}
