/* Layer: cli. May call: diag.h, hunt.h, lua (policy.h), report, base. */
/* A case run's output of one host: each format's report staged as a file,
 * a "staged" frame naming it, then the "summary" frame cmd_case.c reads. */
#include "frames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "escape.h"
#include "policy.h"

void hh_frame_write(FILE *out, const char *name, const char *data, size_t len)
{
    fprintf(out, "HHFRAME %s %zu\n", name, len);
    fwrite(data, 1, len, out);
}

/* The case runner's summary of one host, as "key\tvalue" lines; string
 * values are percent-escaped so no byte can break the framing. */
void hh_frame_escape(hh_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '%')
            hh_buf_printf(b, "%%%02X", *p);
        else
            hh_buf_putc(b, (char)*p);
    }
}

static void summary_text(lua_State *L, int report, int code, hh_buf *b)
{
    static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
    long counts[5] = {0};
    long total = 0, rows = 0;
    if (lua_getfield(L, report, "findings") == LUA_TTABLE) {
        total = (long)lua_rawlen(L, -1);
        for (long i = 1; i <= total; i++) {
            lua_rawgeti(L, -1, i);
            lua_getfield(L, -1, "severity");
            int r = hh_severity_rank(lua_tostring(L, -1));
            if (r >= 0)
                counts[r]++;
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 1);
    /* services: the service rows, when the services plugin's rows are the report's */
    lua_getfield(L, report, "rows_plugin");
    int svc_rows = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "services") == 0;
    lua_pop(L, 1);
    if (svc_rows && lua_getfield(L, report, "rows") == LUA_TTABLE)
        rows = (long)lua_rawlen(L, -1);
    if (svc_rows)
        lua_pop(L, 1);
    lua_getfield(L, report, "meta");
    int m = lua_gettop(L);
    if (lua_getfield(L, m, "host") == LUA_TSTRING) {
        hh_buf_puts(b, "computer_name\t");
        hh_frame_escape(b, lua_tostring(L, -1));
        hh_buf_putc(b, '\n');
    }
    lua_pop(L, 1);
    lua_getfield(L, m, "dirty");
    int dirty = lua_toboolean(L, -1);
    lua_getfield(L, m, "replayed");
    int replayed = lua_toboolean(L, -1);
    lua_pop(L, 3);
    hh_buf_printf(b, "exit_code\t%d\nservices\t%ld\nfindings\t%ld\ndirty\t%d\nreplayed\t%d\n", code, rows,
                  total, dirty, replayed);
    for (int i = 0; i < 5; i++)
        hh_buf_printf(b, "%s\t%ld\n", sev[i], counts[i]);
    /* Findings by plugin, every plugin run (0 included), and the hives left out. */
    lua_getfield(L, report, "meta");
    m = lua_gettop(L);
    if (lua_getfield(L, m, "plugins") == LUA_TTABLE) {
        int plugins = lua_gettop(L);
        lua_getfield(L, report, "findings");
        int fs = lua_istable(L, -1) ? lua_gettop(L) : 0;
        lua_Integer np = (lua_Integer)lua_rawlen(L, plugins);
        for (lua_Integer p = 0; p <= np; p++) {
            /* p 0: the correlation policy, which is no plugin of meta.plugins */
            const char *name = "correlate";
            if (p > 0) {
                lua_rawgeti(L, plugins, p);
                name = lua_tostring(L, -1);
                lua_pop(L, 1); /* meta.plugins keeps the string */
            }
            long n = 0;
            for (lua_Integer i = 1; fs && name && i <= (lua_Integer)lua_rawlen(L, fs); i++) {
                lua_rawgeti(L, fs, i);
                lua_getfield(L, -1, "plugin");
                n += lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), name) == 0;
                lua_pop(L, 2);
            }
            if (name && (p > 0 || n > 0)) {
                hh_buf_puts(b, "by_plugin\t");
                hh_frame_escape(b, name);
                hh_buf_printf(b, "=%ld\n", n);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, m, "failed_hives") == LUA_TTABLE) {
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
            lua_rawgeti(L, -1, i);
            hh_buf_puts(b, "failed_hive\t");
            hh_frame_escape(b, lua_tostring(L, -1));
            hh_buf_putc(b, '\n');
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
}

int hh_report_path(char *buf, size_t len, const char *dir, hh_format f)
{
    const char *file = f == HH_FMT_JSONL ? "findings.jsonl"
                       : f == HH_FMT_CSV ? "findings.csv"
                       : f == HH_FMT_HTML ? "report.html"
                                          : NULL;
    return file && snprintf(buf, len, "%s/%s", dir, file) < (int)len;
}

int hh_write_frames(lua_State *L, int report, const hh_hunt_opts *o, FILE *out, int code)
{
    char err[1024];
    if (hh_make_dirs(o->report_dir) != 0) {
        hh_error(o->report_dir, "cannot create: %s", strerror(errno));
        return HH_EXIT_INPUT;
    }
    for (size_t i = 0; i < o->nframe_formats; i++) {
        char path[4200];
        if (!hh_report_path(path, sizeof path, o->report_dir, o->frame_formats[i])) {
            hh_error(o->report_dir, "no report file for the %s format here", hh_format_name(o->frame_formats[i]));
            return HH_EXIT_INPUT;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (!mem) {
            hh_error(o->system, "cannot buffer the report");
            return HH_EXIT_INPUT;
        }
        int rc = hh_report_write(L, report, o->frame_formats[i], mem, 0, err, sizeof err);
        fclose(mem);
        if (rc != 1) {
            free(buf);
            hh_error(o->system, "cannot write the report: %s", err);
            return HH_EXIT_INPUT;
        }
        rc = hh_stage_output(path, buf, len, err, sizeof err);
        free(buf);
        if (rc != 1) {
            hh_error(NULL, "%s", err);
            return HH_EXIT_INPUT;
        }
        const char *name = hh_format_name(o->frame_formats[i]);
        hh_frame_write(out, "staged", name, strlen(name));
    }
    hh_buf b;
    hh_buf_init(&b);
    summary_text(L, report, code, &b);
    hh_frame_write(out, "summary", b.data, b.len);
    hh_buf_free(&b);
    return code;
}
