/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt case DIR --output OUTDIR [--jobs N] [hunt options]: every host
 * under DIR, each in its own child, reports per host and a case summary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case.h"
#include "diag.h"
#include "commands.h"
#include "escape.h"
#include "hunt.h"
#include "util.h"

static const char case_usage[] =
    "usage: hivehunt case DIR --output OUTDIR [--jobs N] [--baseline GOLDEN] [--policy FILE]...\n"
    "                    [--since ISO8601] [--until ISO8601] [--fail-on SEVERITY] [--no-replay]\n"
    "                    [--reader cells|libregf]\n"
    "                    [--arg POLICY.KEY=VALUE]... [--timeout SECONDS]\n"
    "Finds every host under DIR (<host>/C/Windows/System32/config/SYSTEM, <host>/Windows/...,\n"
    "<host>/SYSTEM; names in any case), pairs each SYSTEM with the SOFTWARE beside it and the\n"
    "users' hives (<root>/Users/*/NTUSER.DAT, Documents and Settings/*/NTUSER.DAT, NTUSER*.DAT\n"
    "beside a flat SYSTEM; user hives alone make a host too), runs every plugin that applies, and\n"
    "writes OUTDIR/<host>/findings.jsonl, findings.csv, report.html, plus OUTDIR/summary.jsonl\n"
    "and OUTDIR/index.html. A bad host is reported and the others go on; the exit code is the worst.\n";

typedef struct case_run {
    hh_case *c;
    hh_hunt_opts *opts;      /* one per host */
    size_t finished;
    int progress;
} case_run;

static char *percent_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2X", &v) == 1) {
            out[o++] = (char)v;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* Appends the decoded value and a newline to *list. */
static void append_line(char **list, const char *v, size_t vlen)
{
    char *line = percent_decode(v, vlen);
    if (!line)
        return;
    size_t old = *list ? strlen(*list) : 0, add = strlen(line);
    char *grown = realloc(*list, old + add + 2);
    if (grown) {
        memcpy(grown + old, line, add);
        grown[old + add] = '\n';
        grown[old + add + 1] = '\0';
        *list = grown;
    }
    free(line);
}

static void parse_summary(hh_case_host *h, const char *s, size_t n)
{
    static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
    const char *end = s + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            nl = end;
        const char *tab = memchr(s, '\t', (size_t)(nl - s));
        if (tab) {
            size_t klen = (size_t)(tab - s);
            const char *v = tab + 1;
            size_t vlen = (size_t)(nl - v);
            char num[32];
            snprintf(num, sizeof num, "%.*s", (int)(vlen < 31 ? vlen : 31), v);
            long x = strtol(num, NULL, 10);
            if (klen == 13 && memcmp(s, "computer_name", 13) == 0) {
                free(h->computer_name);
                h->computer_name = percent_decode(v, vlen);
            } else if (klen == 8 && memcmp(s, "services", 8) == 0) h->services = x;
            else if (klen == 8 && memcmp(s, "findings", 8) == 0) h->findings = x;
            else if (klen == 5 && memcmp(s, "dirty", 5) == 0) h->dirty = (int)x;
            else if (klen == 8 && memcmp(s, "replayed", 8) == 0) h->replayed = (int)x;
            else if ((klen == 9 && memcmp(s, "by_plugin", 9) == 0) || (klen == 11 && memcmp(s, "failed_hive", 11) == 0))
                append_line(klen == 9 ? &h->by_plugin : &h->failed_hives, v, vlen);
            else
                for (int i = 0; i < 5; i++)
                    if (klen == strlen(sev[i]) && memcmp(s, sev[i], klen) == 0)
                        h->by_severity[i] = x;
        }
        s = nl + 1;
    }
}

static void mark_failed(hh_case_host *h, const char *why)
{
    free(h->error);
    h->error = hh_strdup(why);
    h->exit_code = hh_exit_worst(h->exit_code, HH_EXIT_INPUT);
}

/* Reads a child's frames: its staged reports are committed (when the host
 * succeeded), its summary and error taken. */
static void take_frames(hh_case_host *h, const hh_job *job, const char *dir)
{
    const char *data = job->output;
    size_t len = job->output_len, pos = 0;
    while (pos < len) {
        char name[32], head[64];
        size_t flen = 0;
        int consumed = 0;
        /* The header line alone (with room for its NUL): the data holds no
         * NUL to stop sscanf. */
        const char *nl = memchr(data + pos, '\n', len - pos < sizeof head - 1 ? len - pos : sizeof head - 1);
        size_t hlen = nl ? (size_t)(nl - (data + pos)) + 1 : 0;
        if (nl) {
            memcpy(head, data + pos, hlen);
            head[hlen] = '\0';
        }
        if (!nl || sscanf(head, "HHFRAME %31s %zu\n%n", name, &flen, &consumed) != 2 ||
            consumed != (int)hlen || flen > len - pos - (size_t)consumed) {
            mark_failed(h, "malformed output from the child process");
            return;
        }
        const char *body = data + pos + consumed;
        if (strcmp(name, "summary") == 0) {
            parse_summary(h, body, flen);
        } else if (strcmp(name, "error") == 0) {
            free(h->error);
            h->error = percent_decode(body, flen);
        } else if (strcmp(name, "staged") == 0) {
            char format[16];
            snprintf(format, sizeof format, "%.*s", (int)(flen < 15 ? flen : 15), body);
            hh_format f;
            char path[4400], err[1024];
            if (!hh_format_parse(format, &f) || !hh_report_path(path, sizeof path, dir, f)) {
                mark_failed(h, "malformed output from the child process");
                return;
            }
            if (h->exit_code <= HH_EXIT_FINDINGS && hh_commit_staged(path, job->pid, err, sizeof err) != 1) {
                hh_error(NULL, "%s", err);
                h->exit_code = hh_exit_worst(h->exit_code, HH_EXIT_INPUT);
            }
        } else {
            mark_failed(h, "malformed output from the child process");
            return;
        }
        pos += (size_t)consumed + flen;
    }
}

static void host_done(hh_job *job, void *ud)
{
    case_run *run = ud;
    hh_case_host *h = NULL;
    const hh_hunt_opts *o = NULL;
    for (size_t k = 0; k < run->c->count; k++)
        if (run->opts[k].system == job->label) {
            h = &run->c->hosts[k];
            o = &run->opts[k];
        }
    if (!h)
        return;
    h->done = 1;
    h->exit_code = job->exit_code;
    if (job->finished && job->output)
        take_frames(h, job, o->report_dir);
    if (!job->finished) {
        free(h->error);
        h->error = hh_strdup(job->failure);
        hh_error(h->system, "%s", job->failure);
    }
    /* What a child staged and the host did not keep (it failed, crashed or
     * was stopped mid-way) goes; a committed report is no longer staged. */
    for (size_t i = 0; i < o->nframe_formats; i++) {
        char path[4400];
        if (hh_report_path(path, sizeof path, o->report_dir, o->frame_formats[i]))
            hh_drop_staged(path, job->pid);
    }
    if (h->exit_code > HH_EXIT_FINDINGS)
        rmdir(o->report_dir); /* the folder its child made, when nothing else is in it */
    hh_job_release(job);
    run->finished++;
    if (run->progress)
        fprintf(stderr, "\r[%zu/%zu] %s: %s", run->finished, run->c->count, h->folder,
                h->exit_code <= HH_EXIT_FINDINGS ? "done" : "failed");
}

/* With several jobs at once, the hosts with the most hive data start first,
 * so a large host does not run alone at the end while the other jobs sit
 * idle. The summary keeps the case's order: a job finds its host by label. */
typedef struct sized_job {
    hh_job job;
    off_t bytes;
    size_t order;
} sized_job;

static int by_size_desc(const void *a, const void *b)
{
    const sized_job *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void largest_first(hh_job *list, size_t n)
{
    sized_job *s = calloc(n, sizeof *s);
    if (!s)
        return; /* the case's order: only slower */
    for (size_t i = 0; i < n; i++) {
        const hh_hunt_opts *o = list[i].ctx;
        s[i].job = list[i];
        s[i].order = i;
        for (size_t k = 0; k < o->nhives; k++) {
            struct stat st;
            if (stat(o->hives[k], &st) == 0)
                s[i].bytes += st.st_size;
        }
    }
    qsort(s, n, sizeof *s, by_size_desc);
    for (size_t i = 0; i < n; i++)
        list[i] = s[i].job;
    free(s);
}

/* A framed job: the hunt, and on failure the reason as an "error" frame so
 * the summary can name it. */
static int case_job(void *ctx, FILE *out)
{
    int code = hh_hunt_job(ctx, out);
    if (code > HH_EXIT_FINDINGS) {
        const char *why = hh_last_error();
        hh_buf b;
        hh_buf_init(&b);
        hh_frame_escape(&b, why);
        hh_frame_write(out, "error", b.data ? b.data : "", b.len);
        hh_buf_free(&b);
    }
    return code;
}

static void json_str(hh_buf *b, const char *s)
{
    if (!s) {
        hh_buf_puts(b, "null");
        return;
    }
    hh_buf_putc(b, '"');
    hh_esc_json(b, s, strlen(s), 0);
    hh_buf_putc(b, '"');
}

/* "a\nb\n" as JSON strings a,b; as_counts: "name=N" lines as "name":N pairs. */
static void json_lines(hh_buf *b, const char *lines, int as_counts)
{
    int first = 1;
    for (const char *p = lines; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *eq = as_counts ? memchr(p, '=', n) : NULL;
        if (!as_counts || eq) {
            if (!first)
                hh_buf_putc(b, ',');
            first = 0;
            hh_buf_putc(b, '"');
            hh_esc_json(b, p, eq ? (size_t)(eq - p) : n, 0);
            hh_buf_putc(b, '"');
            if (eq)
                hh_buf_printf(b, ":%ld", strtol(eq + 1, NULL, 10));
        }
        p += n + (nl ? 1 : 0);
    }
}

static void html_str(hh_buf *b, const char *s)
{
    if (s)
        hh_esc_html(b, s, strlen(s));
}

static const char *status_of(const hh_case_host *h)
{
    return h->exit_code <= HH_EXIT_FINDINGS ? "ok" : "failed";
}

static int write_summary(const hh_case *c, const char *outdir)
{
    static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
    hh_buf j, h;
    hh_buf_init(&j);
    hh_buf_init(&h);
    hh_buf_puts(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>hivehunt case summary</title><style>"
                    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
                    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
                    "th{background:#f0f0f0}.failed{background:#fde2e2}.high,.critical{color:#b00020;font-weight:bold}"
                    "</style></head><body><h1>hivehunt case summary</h1>\n");
    size_t failed = 0;
    for (size_t i = 0; i < c->count; i++)
        failed += c->hosts[i].exit_code > HH_EXIT_FINDINGS;
    hh_buf_printf(&h, "<p>%zu hosts, %zu failed.</p>\n<table><thead><tr><th>host</th><th>computer name</th>"
                      "<th>status</th><th>services</th><th>critical</th><th>high</th><th>medium</th><th>low</th>"
                      "<th>info</th><th>findings by plugin</th><th>report</th><th>error</th></tr></thead><tbody>\n",
                  c->count, failed);
    for (size_t i = 0; i < c->count; i++) {
        const hh_case_host *x = &c->hosts[i];
        hh_buf_puts(&j, "{\"host\":");
        json_str(&j, x->host);
        hh_buf_puts(&j, ",\"folder\":");
        json_str(&j, x->folder);
        hh_buf_puts(&j, ",\"computer_name\":");
        json_str(&j, x->computer_name);
        hh_buf_puts(&j, ",\"system\":");
        json_str(&j, x->system);
        hh_buf_puts(&j, ",\"software\":");
        json_str(&j, x->software);
        hh_buf_puts(&j, ",\"user_hives\":[");
        for (size_t k = 0; k < x->nusers; k++) {
            if (k)
                hh_buf_putc(&j, ',');
            json_str(&j, x->users[k]);
        }
        hh_buf_puts(&j, "],\"failed_hives\":[");
        json_lines(&j, x->failed_hives, 0);
        hh_buf_puts(&j, "],\"plugins\":{");
        json_lines(&j, x->by_plugin, 1);
        hh_buf_putc(&j, '}');
        hh_buf_printf(&j, ",\"status\":\"%s\",\"exit_code\":%d,\"error\":", status_of(x), x->exit_code);
        json_str(&j, x->exit_code > HH_EXIT_FINDINGS ? (x->error ? x->error : "failed") : NULL);
        hh_buf_printf(&j, ",\"dirty\":%s,\"replayed\":%s,\"services\":%ld,\"findings\":%ld",
                      x->dirty ? "true" : "false", x->replayed ? "true" : "false", x->services, x->findings);
        for (int s = 4; s >= 0; s--)
            hh_buf_printf(&j, ",\"%s\":%ld", sev[s], x->by_severity[s]);
        hh_buf_puts(&j, "}\n");

        hh_buf_printf(&h, "<tr class=\"%s\"><td>", status_of(x));
        html_str(&h, x->host);
        hh_buf_puts(&h, "</td><td>");
        html_str(&h, x->computer_name);
        hh_buf_printf(&h, "</td><td>%s</td><td>%ld</td>", status_of(x), x->services);
        for (int s = 4; s >= 0; s--)
            hh_buf_printf(&h, "<td class=\"%s\">%ld</td>", x->by_severity[s] ? sev[s] : "", x->by_severity[s]);
        hh_buf_puts(&h, "<td>");
        for (const char *p = x->by_plugin; p && *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            hh_esc_html(&h, p, n);
            hh_buf_puts(&h, nl && nl[1] ? ", " : "");
            p += n + (nl ? 1 : 0);
        }
        hh_buf_puts(&h, "</td>");
        if (x->exit_code <= HH_EXIT_FINDINGS) {
            hh_buf_puts(&h, "<td><a href=\"");
            html_str(&h, x->folder);
            hh_buf_puts(&h, "/report.html\">report</a></td><td>");
            if (x->failed_hives) {
                hh_buf_puts(&h, "left out: ");
                html_str(&h, x->failed_hives);
            }
            hh_buf_puts(&h, "</td>");
        } else {
            hh_buf_puts(&h, "<td></td><td>");
            html_str(&h, x->error ? x->error : "failed");
            hh_buf_puts(&h, "</td>");
        }
        hh_buf_puts(&h, "</tr>\n");
    }
    hh_buf_puts(&h, "</tbody></table></body></html>\n");
    char path[4200], err[1024];
    int ok = 1;
    snprintf(path, sizeof path, "%s/summary.jsonl", outdir);
    if (j.oom || hh_write_output(path, j.data ? j.data : "", j.len, err, sizeof err) != 1) {
        hh_error(path, "cannot write: %s", j.oom ? "out of memory" : err);
        ok = 0;
    }
    snprintf(path, sizeof path, "%s/index.html", outdir);
    if (h.oom || hh_write_output(path, h.data, h.len, err, sizeof err) != 1) {
        hh_error(path, "cannot write: %s", h.oom ? "out of memory" : err);
        ok = 0;
    }
    hh_buf_free(&j);
    hh_buf_free(&h);
    return ok;
}

int hh_cmd_case(int argc, char **argv)
{
    hh_hunt_opts base;
    hh_hunt_opts_default(&base);
    base.format = (hh_format)-1;
    const char *pos[1];
    int npos = 0;
    int rc = hh_hunt_parse(argc, argv, &base, pos, &npos, 1, case_usage);
    if (rc >= 0)
        return rc;
    if (npos != 1 || !base.output) {
        hh_error(NULL, "case needs a DIR and --output OUTDIR (see 'hivehunt case --help')");
        return HH_EXIT_USAGE;
    }
    if (base.format != (hh_format)-1 || base.software || base.host) {
        hh_error(NULL, "case writes jsonl, csv and html for every host and pairs SOFTWARE itself: "
                       "--format, --software and --host do not apply");
        return HH_EXIT_USAGE;
    }
    hh_case c;
    char err[1024];
    if (hh_case_discover(pos[0], &c, err, sizeof err) != 1) {
        hh_error(pos[0], "%s", err);
        return HH_EXIT_INPUT;
    }
    if (c.count == 0) {
        hh_error(pos[0], "no SYSTEM or NTUSER.DAT hive found under it");
        hh_case_free(&c);
        return HH_EXIT_INPUT;
    }
    if (hh_make_dirs(base.output) != 0) {
        hh_error(base.output, "cannot create: %s", strerror(errno));
        hh_case_free(&c);
        return HH_EXIT_INPUT;
    }
    int jobs = base.jobs > 0 ? base.jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    hh_hunt_opts *opts = calloc(c.count, sizeof *opts);
    hh_job *list = calloc(c.count, sizeof *list);
    char **report_dirs = calloc(c.count, sizeof *report_dirs);
    int oom = !opts || !list || !report_dirs;
    for (size_t i = 0; i < c.count && !oom; i++)
        oom = !(report_dirs[i] = hh_join3(base.output, "/", c.hosts[i].folder));
    if (oom) {
        hh_error(NULL, "out of memory");
        for (size_t i = 0; report_dirs && i < c.count; i++)
            free(report_dirs[i]);
        free(report_dirs);
        free(opts);
        free(list);
        hh_case_free(&c);
        return HH_EXIT_INPUT;
    }
    for (size_t i = 0; i < c.count; i++) {
        opts[i] = base;
        /* SYSTEM, SOFTWARE, then every user's hive; a user hive that cannot
         * be read is named in the summary and the host goes on. */
        if (c.hosts[i].system)
            hh_hunt_opts_add_hive(&opts[i], c.hosts[i].system, 0);
        if (c.hosts[i].software)
            hh_hunt_opts_add_hive(&opts[i], c.hosts[i].software, 0);
        for (size_t k = 0; k < c.hosts[i].nusers; k++)
            hh_hunt_opts_add_hive(&opts[i], c.hosts[i].users[k], 1);
        opts[i].system = opts[i].hives[0];
        opts[i].software = c.hosts[i].software;
        opts[i].lenient_kinds = 1;
        opts[i].output = NULL;
        opts[i].color = 0;
        opts[i].case_dir = pos[0];
        opts[i].framed = 1;
        opts[i].frame_formats[0] = HH_FMT_JSONL;
        opts[i].frame_formats[1] = HH_FMT_CSV;
        opts[i].frame_formats[2] = HH_FMT_HTML;
        opts[i].nframe_formats = 3;
        opts[i].report_dir = report_dirs[i];
        opts[i].format = HH_FMT_HTML; /* meta.generated for the html report */
        list[i].fn = case_job;
        list[i].ctx = &opts[i];
        list[i].label = opts[i].system;
    }
    if (jobs > 1)
        largest_first(list, c.count);
    case_run run = {.c = &c, .opts = opts, .progress = isatty(STDERR_FILENO)};
    hh_jobs_run(list, c.count, jobs, &base.isolate_limits, base.isolate, host_done, &run);
    if (run.progress)
        fputc('\n', stderr);
    int code = HH_EXIT_OK;
    for (size_t i = 0; i < c.count; i++)
        code = hh_exit_worst(code, c.hosts[i].exit_code);
    if (!write_summary(&c, base.output))
        code = hh_exit_worst(code, HH_EXIT_INPUT);
    for (size_t i = 0; i < c.count; i++)
        free(report_dirs[i]);
    free(report_dirs);
    free(opts);
    free(list);
    hh_case_free(&c);
    return code;
}
