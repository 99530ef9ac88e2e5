/* Layer: report. May call: fields.h, escape.h, base, Lua's C API; never the
 * dispatcher. */
/* html: one self-contained page (inline CSS and JS, no network: a CSP meta
 * forbids every fetch) with a summary, an SVG timeline of service-key
 * LastWrite times, and sortable findings and service tables.
 *
 * Every value goes through hh_esc_html (controls and bidi overrides shown as
 * \x1b, \u202e; & < > " ' as references), in text and attributes alike. No
 * value is ever written inside the <script> block: the script reads the
 * tables from the DOM. The whole page is built in memory and written once,
 * so a failure never leaves half a page. */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "fields.h"

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};
#define NSEV 5
/* Colours by rank (index 0 unused), the same as the CSS badges. */
static const char *const dot_colour[] = {"#868e96", "#868e96", "#1c7ed6", "#e0a800", "#d9480f", "#a61b29"};

/* 1 (info) .. 5 (critical), 0 for anything else. */
static int severity_rank(const char *s, size_t n)
{
    for (int i = 0; i < NSEV; i++)
        if (strlen(sev_names[i]) == n && memcmp(s, sev_names[i], n) == 0)
            return i + 1;
    return 0;
}

static void put_esc(hh_buf *b, const char *s, size_t n) { hh_esc_html(b, s ? s : "", s ? n : 0); }

/* The escaped text of rec[field]. */
static void put_field(hh_report_ctx *c, hh_buf *b, int rec, const char *field)
{
    hh_report_field_text(c, rec, field, &c->tmp);
    put_esc(b, c->tmp.data, c->tmp.len);
}

static int field_rank(hh_report_ctx *c, int rec)
{
    hh_report_field_text(c, rec, "severity", &c->tmp);
    return severity_rank(c->tmp.data ? c->tmp.data : "", c->tmp.len);
}

static const char css[] =
    ":root{--bg:#f6f7f9;--fg:#1d2330;--muted:#5c6578;--line:#dde1e8;--card:#fff;--mono:ui-monospace,SFMono-Regular,"
    "Menlo,Consolas,'DejaVu Sans Mono',monospace;--crit:#a61b29;--high:#d9480f;--med:#e0a800;--low:#1c7ed6;"
    "--info:#868e96}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'DejaVu Sans',sans-serif}\n"
    "header{background:#1d2330;color:#fff;padding:18px 28px}\n"
    "header h1{margin:0;font-size:20px;font-weight:600}\n"
    "header h1 .host{margin-left:10px;font-weight:400;color:#c9d1e0}\n"
    "header p{margin:4px 0 0;color:#aab3c5;font-size:12px}\n"
    "main{padding:18px 28px 40px}\n"
    "section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;"
    "margin-bottom:18px}\n"
    "h2{font-size:15px;margin:0 0 12px;font-weight:600}\n"
    "h2 .n{color:var(--muted);font-weight:400}\n"
    ".summary{display:flex;flex-wrap:wrap;gap:18px 40px}\n"
    "dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:0;min-width:420px;flex:1}\n"
    "dt{color:var(--muted)}dd{margin:0;font-family:var(--mono);font-size:13px;word-break:break-all}\n"
    ".counts{display:flex;gap:8px;flex-wrap:wrap;align-content:flex-start}\n"
    ".chip{border-radius:6px;padding:8px 12px;min-width:84px;text-align:center;color:#fff}\n"
    ".chip b{display:block;font-size:22px;line-height:1.1}.chip span{font-size:12px;text-transform:uppercase;"
    "letter-spacing:.04em}\n"
    ".chip.zero{opacity:.35}\n"
    ".s-critical{background:var(--crit)}.s-high{background:var(--high)}.s-medium{background:var(--med);"
    "color:#1d2330}.s-low{background:var(--low)}.s-info{background:var(--info)}\n"
    ".warn{margin:12px 0 0;padding:8px 12px 8px 30px;background:#fff4e6;border:1px solid #ffd8a8;border-radius:6px;"
    "width:100%}\n"
    ".warn li{font-family:var(--mono);font-size:12.5px}\n"
    ".badge{display:inline-block;border-radius:4px;padding:1px 7px;font:600 11px/1.6 system-ui,sans-serif;"
    "text-transform:uppercase;letter-spacing:.03em;color:#fff}\n"
    ".dirty{background:#d9480f}.clean{background:#2b8a3e}\n"
    ".tablewrap{overflow:auto;max-height:80vh;border:1px solid var(--line);border-radius:6px}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px}\n"
    "th{position:sticky;top:0;background:#eef1f5;text-align:left;padding:7px 8px;border-bottom:1px solid "
    "var(--line);cursor:pointer;user-select:none;white-space:nowrap}\n"
    "th:hover{background:#e2e7ee}\n"
    "th[aria-sort=ascending]::after{content:' \\25B2';font-size:9px}\n"
    "th[aria-sort=descending]::after{content:' \\25BC';font-size:9px}\n"
    "td{padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}\n"
    "tbody tr:nth-child(even){background:#fafbfc}\n"
    "tbody tr:hover{background:#fff8db}\n"
    "td.m{font-family:var(--mono);font-size:12px;word-break:break-all;min-width:160px;max-width:320px}\n"
    "td.c{font-family:var(--mono);font-size:12px;white-space:nowrap}\n"
    "td.msg{min-width:260px}\n"
    "td.nw{white-space:nowrap}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.flag-5 td:first-child{box-shadow:inset 4px 0 var(--crit)}tr.flag-4 td:first-child{box-shadow:inset 4px 0 "
    "var(--high)}tr.flag-3 td:first-child{box-shadow:inset 4px 0 var(--med)}tr.flag-2 td:first-child{box-shadow:"
    "inset 4px 0 var(--low)}tr.flag-1 td:first-child{box-shadow:inset 4px 0 var(--info)}\n"
    "details summary{cursor:pointer;color:var(--muted)}details pre{margin:4px 0 0;white-space:pre-wrap;"
    "word-break:break-all;font-size:11.5px}\n"
    "svg{width:100%;height:auto;display:block}\n"
    "h2.detail{margin-top:18px;font-size:14px}\n"
    "svg text{font:11px system-ui,'DejaVu Sans',sans-serif;fill:#5c6578}\n"
    ".legend{font-size:12px;color:var(--muted);margin:6px 0 0}\n"
    ".legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 4px 0 12px;"
    "vertical-align:-1px}\n"
    ".empty{color:var(--muted);font-style:italic}\n"
    "footer{color:var(--muted);font-size:12px;padding:0 28px 24px}\n"
    /* On paper (a report for the case file) every row prints, no scroll box. */
    "@media print{body{background:#fff}.tablewrap{max-height:none;overflow:visible;border:0}th{position:static}"
    "section{break-inside:auto;border:0}details{display:block}}\n";

/* Sorting reads the DOM; no report value is ever inside this block. The
 * #sort=TABLE:COL,... fragment clicks those headers once loaded (the test
 * suite drives the real click handler through it). */
static const char script[] =
    "(function(){\"use strict\";\n"
    "function keyOf(cell,num){var v=cell.hasAttribute(\"data-v\")?cell.getAttribute(\"data-v\"):cell.textContent;\n"
    " if(num){var f=parseFloat(v);return isNaN(f)?-Infinity:f;}return v.toLowerCase();}\n"
    "function sortBy(th){var table=th.closest(\"table\"),body=table.tBodies[0],col=th.cellIndex;\n"
    " var num=th.getAttribute(\"data-type\")===\"num\";\n"
    " var dir=th.getAttribute(\"aria-sort\")===\"ascending\"?-1:1;\n"
    " Array.prototype.forEach.call(th.parentNode.cells,function(h){h.removeAttribute(\"aria-sort\");});\n"
    " th.setAttribute(\"aria-sort\",dir===1?\"ascending\":\"descending\");\n"
    " var rows=Array.prototype.map.call(body.rows,function(r){return{r:r,k:keyOf(r.cells[col],num),"
    "i:+r.getAttribute(\"data-i\")};});\n"
    " rows.sort(function(a,b){if(a.k<b.k)return -dir;if(a.k>b.k)return dir;return a.i-b.i;});\n"
    " rows.forEach(function(x){body.appendChild(x.r);});}\n"
    "document.querySelectorAll(\"table.sortable th\").forEach(function(th){th.tabIndex=0;\n"
    " th.addEventListener(\"click\",function(){sortBy(th);});\n"
    " th.addEventListener(\"keydown\",function(e){if(e.key===\"Enter\"||e.key===\" \"){e.preventDefault();"
    "sortBy(th);}});});\n"
    "var m=/^#sort=([A-Za-z]+:[0-9]+(,[A-Za-z]+:[0-9]+)*)$/.exec(location.hash);\n"
    "if(m){m[1].split(\",\").forEach(function(spec){var p=spec.split(\":\"),t=document.getElementById(p[0]);\n"
    " if(t&&t.tHead&&t.tHead.rows[0].cells[+p[1]])t.tHead.rows[0].cells[+p[1]].click();});\n"
    " document.documentElement.setAttribute(\"data-sorted\",m[1]);}\n"
    "})();\n";

/* Pushes the identity that ties a finding to its service row: the key path,
 * or "service NUL control_set" when the finding carries no key. */
static void push_finding_id(lua_State *L, int rec)
{
    lua_pushliteral(L, "key");
    if (lua_rawget(L, rec) == LUA_TSTRING)
        return;
    lua_pop(L, 1);
    lua_pushliteral(L, "service");
    lua_rawget(L, rec);
    lua_pushliteral(L, "control_set");
    lua_rawget(L, rec);
    const char *s = lua_tostring(L, -2), *cs = lua_tostring(L, -1);
    lua_pushfstring(L, "%s%c%s", s ? s : "", 0, cs ? cs : "");
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* The worst rank flags (absolute index) holds for a row, by key path or by
 * name and control set; 0 when no finding is on it. */
static int row_flag(lua_State *L, int flags, int rec)
{
    int rank = 0;
    lua_pushliteral(L, "key");
    if (lua_rawget(L, rec) == LUA_TSTRING && lua_rawget(L, flags) == LUA_TNUMBER)
        rank = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_pushliteral(L, "name");
    lua_rawget(L, rec);
    lua_pushliteral(L, "control_set");
    lua_rawget(L, rec);
    const char *s = lua_tostring(L, -2), *cs = lua_tostring(L, -1);
    lua_pushfstring(L, "%s%c%s", s ? s : "", 0, cs ? cs : "");
    if (lua_rawget(L, flags) == LUA_TNUMBER && lua_tointeger(L, -1) > rank)
        rank = (int)lua_tointeger(L, -1);
    lua_pop(L, 3);
    return rank;
}

/* ---- summary ---- */

static void summary_row(hh_buf *b, const char *label, const char *value, size_t n)
{
    hh_buf_printf(b, "<dt>%s</dt><dd>", label);
    if (value)
        put_esc(b, value, n);
    else
        hh_buf_puts(b, "<span class=\"empty\">none</span>");
    hh_buf_puts(b, "</dd>\n");
}

static int meta_bool(hh_report_ctx *c, const char *name)
{
    if (!c->meta)
        return 0;
    lua_pushstring(c->L, name);
    lua_rawget(c->L, c->meta);
    int v = lua_toboolean(c->L, -1);
    lua_pop(c->L, 1);
    return v;
}

static void write_summary(hh_report_ctx *c, hh_buf *b, lua_Integer nfind, lua_Integer nrows, const size_t *counts)
{
    size_t n;
    const char *s;
    hh_buf_puts(b, "<section class=\"summary\" id=\"summary\">\n<dl>\n");
    s = hh_report_meta_str(c, "host", &n);
    summary_row(b, "Host", s, n);
    s = hh_report_meta_str(c, "hive", &n);
    summary_row(b, "Hive", s, n);
    s = hh_report_meta_str(c, "hive_kind", &n);
    summary_row(b, "Hive kind", s, n);
    hh_buf_puts(b, "<dt>State</dt><dd>");
    if (meta_bool(c, "dirty")) {
        hh_buf_puts(b, "<span class=\"badge dirty\">dirty</span> ");
        if (meta_bool(c, "replayed")) {
            hh_buf_puts(b, "transaction logs replayed");
            if (c->meta) {
                lua_pushliteral(c->L, "log_entries_applied");
                lua_rawget(c->L, c->meta);
                if (lua_isinteger(c->L, -1))
                    hh_buf_printf(b, " (%lld entries)", (long long)lua_tointeger(c->L, -1));
                lua_pop(c->L, 1);
            }
        } else {
            hh_buf_puts(b, "logs not replayed: recent writes may be missing");
        }
    } else {
        hh_buf_puts(b, "<span class=\"badge clean\">clean</span>");
        if (meta_bool(c, "replayed"))
            hh_buf_puts(b, " transaction logs replayed");
    }
    hh_buf_puts(b, "</dd>\n");
    s = hh_report_meta_str(c, "software", &n);
    summary_row(b, "SOFTWARE hive", s, n);
    s = hh_report_meta_str(c, "baseline", &n);
    summary_row(b, "Baseline", s, n);
    hh_buf_printf(b, "<dt>Service rows</dt><dd>%lld</dd>\n", (long long)nrows);
    if (c->is_findings)
        hh_buf_printf(b, "<dt>Findings</dt><dd>%lld</dd>\n", (long long)nfind);
    s = hh_report_meta_str(c, "generated", &n);
    summary_row(b, "Generated", s, n);
    s = hh_report_meta_str(c, "tool", &n);
    summary_row(b, "Tool", s, n);
    hh_buf_puts(b, "</dl>\n");
    if (c->is_findings) {
        hh_buf_puts(b, "<div class=\"counts\">\n");
        for (int r = NSEV; r >= 1; r--)
            hh_buf_printf(b, "<div class=\"chip s-%s%s\"><b>%zu</b><span>%s</span></div>\n", sev_names[r - 1],
                          counts[r] ? "" : " zero", counts[r], sev_names[r - 1]);
        hh_buf_puts(b, "</div>\n");
    }
    /* Warnings: what could not be read. */
    if (c->meta) {
        lua_pushliteral(c->L, "warnings");
        if (lua_rawget(c->L, c->meta) == LUA_TTABLE) {
            int w = lua_gettop(c->L);
            lua_Integer nw = (lua_Integer)lua_rawlen(c->L, w);
            if (nw > 0) {
                hh_buf_puts(b, "<ul class=\"warn\" id=\"warnings\">\n");
                for (lua_Integer i = 1; i <= nw; i++) {
                    lua_rawgeti(c->L, w, i);
                    hh_buf_reset(&c->tmp);
                    hh_value_text(c->L, -1, &c->tmp, 0);
                    hh_buf_puts(b, "<li>");
                    put_esc(b, c->tmp.data, c->tmp.len);
                    hh_buf_puts(b, "</li>\n");
                    lua_pop(c->L, 1);
                }
                hh_buf_puts(b, "</ul>\n");
            }
        }
        lua_pop(c->L, 1);
    }
    hh_buf_puts(b, "</section>\n");
}

/* ---- timeline ---- */

/* Before 1990 a service key's time is a zeroed or forged FILETIME, not an
 * event: such keys are counted, not plotted, so they cannot squash the axis. */
#define PLAUSIBLE_EPOCH 631152000LL
#define TL_W 1200.0
#define TL_H 206.0
#define TL_LEFT 40.0
#define TL_RIGHT 20.0
#define TL_BARS_TOP 60.0
#define TL_AXIS_Y 160.0
#define TL_BINS 120

typedef struct tl_point {
    long long t;
    int rank;  /* worst finding severity on this key, 0 when none */
    int label; /* index in the labels table (1-based), 0 when none */
} tl_point;

static double tl_x(long long t, long long t0, long long t1)
{
    return TL_LEFT + (TL_W - TL_LEFT - TL_RIGHT) * (double)(t - t0) / (double)(t1 - t0);
}

static void put_date(hh_buf *b, long long t, int with_time)
{
    char iso[48];
    hh_format_iso8601(t, iso);
    if (!with_time)
        iso[10] = '\0';
    else
        iso[16] = '\0', iso[10] = ' ';
    hh_buf_puts(b, iso);
}

/* Findings' keys as dots (stacked upwards where they would overlap, so a
 * burst of three keys shows three dots) with a coloured tick on the axis.
 * Only points inside [t0, t1] are drawn. */
static void put_dots(hh_report_ctx *c, hh_buf *b, const tl_point *pts, size_t np, int labels, long long t0,
                     long long t1, double dot_y, double axis_y)
{
    lua_State *L = c->L;
    double *placed_x = lua_newuserdatauv(L, (np + 1) * sizeof(double) * 2, 0);
    double *placed_y = placed_x + np + 1;
    size_t nplaced = 0;
    for (size_t i = 0; i < np; i++) {
        if (!pts[i].rank || pts[i].t < t0 || pts[i].t > t1)
            continue;
        double x = tl_x(pts[i].t, t0, t1);
        double y = dot_y;
        for (int moved = 1; moved && y > 8;) {
            moved = 0;
            for (size_t j = 0; j < nplaced; j++) {
                if (fabs(placed_x[j] - x) < 10 && fabs(placed_y[j] - y) < 1) {
                    y -= 11;
                    moved = 1;
                }
            }
        }
        placed_x[nplaced] = x;
        placed_y[nplaced++] = y;
        const char *colour = dot_colour[pts[i].rank <= NSEV ? pts[i].rank : 0];
        hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                      x, axis_y + 2, x, axis_y + 16, colour);
        hh_buf_printf(b, "<circle class=\"hit\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"#fff\">", x, y,
                      colour);
        hh_buf_puts(b, "<title>");
        lua_rawgeti(L, labels, pts[i].label);
        size_t ln;
        const char *ls = lua_tolstring(L, -1, &ln);
        put_esc(b, ls, ln);
        lua_pop(L, 1);
        hh_buf_puts(b, "</title></circle>\n");
    }
    lua_pop(L, 1); /* placed dots */
}

/* The UTC day of the latest key with a finding, hour by hour: on the long
 * axis a burst is one spot; here its keys separate by minutes. */
static void write_day_detail(hh_report_ctx *c, hh_buf *b, const tl_point *pts, size_t np, int labels)
{
    long long latest = 0;
    int any = 0;
    for (size_t i = 0; i < np; i++) {
        if (pts[i].rank && (!any || pts[i].t > latest)) {
            latest = pts[i].t;
            any = 1;
        }
    }
    if (!any)
        return;
    long long d0 = latest - ((latest % 86400) + 86400) % 86400, d1 = d0 + 86400;
    size_t in_day = 0, flagged = 0;
    for (size_t i = 0; i < np; i++) {
        if (pts[i].t >= d0 && pts[i].t <= d1) {
            in_day++;
            flagged += pts[i].rank != 0;
        }
    }
    const double axis = 90.0;
    hh_buf_puts(b, "<h2 class=\"detail\">");
    put_date(b, d0, 0);
    hh_buf_printf(b, " (UTC), the day of the latest finding <span class=\"n\">(%zu key%s, %zu with findings)</span>"
                     "</h2>\n",
                  in_day, in_day == 1 ? "" : "s", flagged);
    hh_buf_printf(b, "<svg id=\"day-detail\" viewBox=\"0 0 %.0f 136\" role=\"img\" aria-label=\"Service keys written "
                     "on the day of the latest finding\">\n",
                  TL_W);
    hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa3b5\"/>\n", TL_LEFT, axis,
                  TL_W - TL_RIGHT, axis);
    for (size_t i = 0; i < np; i++) {
        if (pts[i].rank || pts[i].t < d0 || pts[i].t > d1)
            continue;
        double x = tl_x(pts[i].t, d0, d1);
        hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#5c6f8f\" "
                         "stroke-opacity=\".5\"/>\n",
                      x, axis - 14, x, axis);
    }
    put_dots(c, b, pts, np, labels, d0, d1, axis - 26, axis);
    for (int h = 0; h <= 24; h += 3) {
        double x = tl_x(d0 + h * 3600LL, d0, d1);
        hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa3b5\"/>", x, axis, x,
                      axis + 4);
        hh_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%02d:00</text>\n", x, axis + 32,
                      h == 0 ? "start" : (h == 24 ? "end" : "middle"), h);
    }
    hh_buf_puts(b, "</svg>\n");
}

/* flags: the table (absolute index) mapping each finding's identity (see
 * push_finding_id) to the worst severity rank on it; 0 for service reports. */
static void write_timeline(hh_report_ctx *c, hh_buf *b, int flags, lua_Integer nrows, lua_Integer nfind)
{
    lua_State *L = c->L;
    /* Other plugins' rows (report.timeline_rows = { { plugin =, rows = }, ... }):
     * task creation, Run keys' LastWrite, ... on the same axis. */
    int others = 0;
    size_t nothers = 0;
    lua_pushliteral(L, "timeline_rows");
    if (lua_rawget(L, c->report) == LUA_TTABLE) {
        others = lua_gettop(L);
        for (lua_Integer g = 1; g <= (lua_Integer)lua_rawlen(L, others); g++) {
            if (lua_rawgeti(L, others, g) == LUA_TTABLE) {
                lua_pushliteral(L, "rows");
                if (lua_rawget(L, -2) == LUA_TTABLE)
                    nothers += lua_rawlen(L, -1);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    } else {
        lua_pop(L, 1);
        lua_pushnil(L); /* keeps the stack shape either way */
    }
    size_t cap = (size_t)(nrows + nfind) + nothers + 1;
    tl_point *pts = lua_newuserdatauv(L, cap * sizeof *pts, 0);
    lua_newtable(L); /* labels: the tooltip text of each highlighted point */
    int labels = lua_gettop(L);
    lua_newtable(L); /* keys already plotted from rows */
    int seen = lua_gettop(L);
    size_t np = 0, implausible = 0;
    lua_Integer nlabels = 0;

    for (lua_Integer i = 1; i <= nrows; i++) {
        lua_rawgeti(L, c->rows, i);
        int rec = lua_gettop(L);
        long long t;
        int rank = flags ? row_flag(L, flags, rec) : 0;
        /* Remember the row under both identities a finding may use. */
        lua_pushliteral(L, "key");
        if (lua_rawget(L, rec) == LUA_TSTRING) {
            lua_pushboolean(L, 1);
            lua_rawset(L, seen);
        } else {
            lua_pop(L, 1);
        }
        lua_pushliteral(L, "name");
        lua_rawget(L, rec);
        lua_pushliteral(L, "control_set");
        lua_rawget(L, rec);
        {
            const char *s = lua_tostring(L, -2), *cs = lua_tostring(L, -1);
            lua_pushfstring(L, "%s%c%s", s ? s : "", 0, cs ? cs : "");
        }
        lua_pushboolean(L, 1);
        lua_rawset(L, seen);
        lua_pop(L, 2);
        /* A ServiceDll swap moves the Parameters key's time, not the service
         * key's: plot the later of the two. */
        int have = hh_report_epoch(c, rec, &t), params_later = 0;
        long long tp;
        lua_pushliteral(L, "parameters_last_write");
        if (lua_rawget(L, rec) == LUA_TSTRING) {
            size_t pn;
            const char *ps = lua_tolstring(L, -1, &pn);
            if (hh_parse_iso8601(ps, pn, &tp) && (!have || tp > t)) {
                t = tp;
                have = params_later = 1;
            }
        }
        lua_pop(L, 1);
        if (!have || t < PLAUSIBLE_EPOCH) {
            implausible++;
        } else {
            pts[np].t = t;
            pts[np].rank = rank;
            pts[np].label = 0;
            if (rank) {
                hh_buf_reset(&c->tmp2);
                hh_report_field_text(c, rec, "name", &c->tmp);
                hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
                hh_buf_puts(&c->tmp2, " (");
                hh_report_field_text(c, rec, "control_set", &c->tmp);
                hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
                hh_buf_puts(&c->tmp2, ") ");
                hh_report_field_text(c, rec, "last_write", &c->tmp);
                hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
                if (params_later) {
                    hh_buf_puts(&c->tmp2, "; Parameters ");
                    hh_report_field_text(c, rec, "parameters_last_write", &c->tmp);
                    hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
                }
                lua_pushlstring(L, c->tmp2.data ? c->tmp2.data : "", c->tmp2.len);
                lua_rawseti(L, labels, ++nlabels);
                pts[np].label = (int)nlabels;
            }
            np++;
        }
        lua_pop(L, 1);
    }
    for (lua_Integer g = 1; others && g <= (lua_Integer)lua_rawlen(L, others); g++) {
        if (lua_rawgeti(L, others, g) != LUA_TTABLE) {
            lua_pop(L, 1);
            continue;
        }
        int grp = lua_gettop(L);
        lua_pushliteral(L, "plugin");
        lua_rawget(L, grp);
        lua_pushliteral(L, "rows");
        int rows = lua_rawget(L, grp) == LUA_TTABLE ? lua_gettop(L) : 0;
        lua_Integer n = rows ? (lua_Integer)lua_rawlen(L, rows) : 0;
        for (lua_Integer i = 1; i <= n && np < cap; i++) {
            if (lua_rawgeti(L, rows, i) != LUA_TTABLE) {
                lua_pop(L, 1);
                continue;
            }
            int rec = lua_gettop(L);
            long long t;
            int have = hh_report_epoch(c, rec, &t);
            if (!have) {
                lua_pushliteral(L, "created");
                if (lua_rawget(L, rec) == LUA_TSTRING) {
                    size_t tn;
                    const char *ts = lua_tolstring(L, -1, &tn);
                    have = hh_parse_iso8601(ts, tn, &t);
                }
                lua_pop(L, 1);
            }
            lua_pushliteral(L, "key");
            if (lua_rawget(L, rec) == LUA_TSTRING) {
                lua_pushboolean(L, 1);
                lua_rawset(L, seen);
            } else {
                lua_pop(L, 1);
            }
            if (!have || t < PLAUSIBLE_EPOCH) {
                implausible++;
            } else {
                int rank = flags ? row_flag(L, flags, rec) : 0;
                pts[np].t = t;
                pts[np].rank = rank;
                pts[np].label = 0;
                if (rank) {
                    hh_buf_reset(&c->tmp2);
                    hh_buf_putc(&c->tmp2, '(');
                    hh_value_text(L, grp + 1, &c->tmp2, 0);
                    hh_buf_puts(&c->tmp2, ") ");
                    hh_report_field_text(c, rec, "name", &c->tmp);
                    if (!c->tmp.len)
                        hh_report_field_text(c, rec, "key", &c->tmp);
                    hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
                    char iso[48];
                    hh_format_iso8601(t, iso);
                    hh_buf_printf(&c->tmp2, " %s", iso);
                    lua_pushlstring(L, c->tmp2.data ? c->tmp2.data : "", c->tmp2.len);
                    lua_rawseti(L, labels, ++nlabels);
                    pts[np].label = (int)nlabels;
                }
                np++;
            }
            lua_pop(L, 1);
        }
        lua_settop(L, grp - 1);
    }
    /* Findings on keys that have no row (a baseline-removed service, say). */
    for (lua_Integer i = 1; i <= nfind; i++) {
        lua_rawgeti(L, c->findings, i);
        int rec = lua_gettop(L);
        push_finding_id(L, rec);
        int has_row = lua_rawget(L, seen) != LUA_TNIL;
        lua_pop(L, 1);
        long long t;
        if (!has_row && hh_report_epoch(c, rec, &t) && t >= PLAUSIBLE_EPOCH) {
            pts[np].t = t;
            pts[np].rank = field_rank(c, rec);
            if (pts[np].rank == 0)
                pts[np].rank = 1;
            hh_buf_reset(&c->tmp2);
            hh_report_field_text(c, rec, "plugin", &c->tmp);
            if (c->tmp.len && !(c->tmp.len == 8 && memcmp(c->tmp.data, "services", 8) == 0)) {
                hh_buf_putc(&c->tmp2, '(');
                hh_buf_put(&c->tmp2, c->tmp.data, c->tmp.len);
                hh_buf_puts(&c->tmp2, ") ");
            }
            hh_report_field_text(c, rec, "service", &c->tmp);
            hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
            hh_buf_puts(&c->tmp2, " [");
            hh_report_field_text(c, rec, "rule", &c->tmp);
            hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
            hh_buf_puts(&c->tmp2, "] ");
            hh_report_field_text(c, rec, "last_write", &c->tmp);
            hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
            lua_pushlstring(L, c->tmp2.data ? c->tmp2.data : "", c->tmp2.len);
            lua_rawseti(L, labels, ++nlabels);
            pts[np].label = (int)nlabels;
            np++;
        }
        lua_pop(L, 1);
    }

    int several = 0;
    if (c->meta) {
        lua_pushliteral(L, "plugins");
        several = lua_rawget(L, c->meta) == LUA_TTABLE && lua_rawlen(L, -1) > 1;
        lua_pop(L, 1);
    }
    hh_buf_puts(b, several ? "<section id=\"timeline\">\n<h2>LastWrite timeline: every plugin's keys (service keys, tasks, "
                             "Run keys...; the plugin in each flagged dot's label) <span class=\"n\">"
                           : "<section id=\"timeline\">\n<h2>Service-key LastWrite timeline <span class=\"n\">");
    hh_buf_printf(b, "(%zu keys", np);
    if (implausible)
        hh_buf_printf(b, "; %zu without a plausible time, not plotted", implausible);
    hh_buf_puts(b, ")</span></h2>\n");
    if (np == 0) {
        hh_buf_puts(b, "<p class=\"empty\">No LastWrite times to plot.</p>\n</section>\n");
        lua_pop(L, 4); /* pts, labels, seen, and the other plugins' rows */
        return;
    }
    long long t0 = pts[0].t, t1 = pts[0].t;
    for (size_t i = 1; i < np; i++) {
        if (pts[i].t < t0) t0 = pts[i].t;
        if (pts[i].t > t1) t1 = pts[i].t;
    }
    if (t1 - t0 < 3600) { /* one instant: give the axis an hour around it */
        t0 -= 1800;
        t1 += 1800;
    }
    int with_time = t1 - t0 < 4 * 86400LL;
    size_t bins[TL_BINS] = {0};
    int bin_rank[TL_BINS] = {0};
    size_t maxbin = 0;
    for (size_t i = 0; i < np; i++) {
        size_t k = (size_t)((double)(pts[i].t - t0) / (double)(t1 - t0) * TL_BINS);
        if (k >= TL_BINS)
            k = TL_BINS - 1;
        bins[k]++;
        if (pts[i].rank > bin_rank[k])
            bin_rank[k] = pts[i].rank;
        if (bins[k] > maxbin)
            maxbin = bins[k];
    }
    hh_buf_printf(b, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"LastWrite times of service keys\">\n",
                  TL_W, TL_H);
    hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa3b5\"/>\n", TL_LEFT, TL_AXIS_Y,
                  TL_W - TL_RIGHT, TL_AXIS_Y);
    /* Histogram, log height: the install bulk stays visible without hiding a
     * burst of three keys. Bars stay neutral (a flagged key on install day
     * must not paint the bulk); the dots above carry the findings. */
    double binw = (TL_W - TL_LEFT - TL_RIGHT) / TL_BINS;
    double hmax = TL_AXIS_Y - TL_BARS_TOP;
    for (size_t k = 0; k < TL_BINS; k++) {
        if (!bins[k])
            continue;
        double h = hmax * log1p((double)bins[k]) / log1p((double)maxbin);
        if (h < 3)
            h = 3;
        long long b0 = t0 + (long long)((double)(t1 - t0) * (double)k / TL_BINS);
        long long b1 = t0 + (long long)((double)(t1 - t0) * (double)(k + 1) / TL_BINS);
        hh_buf_printf(b, "<rect class=\"bin\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
                      TL_LEFT + binw * (double)k + 0.5, TL_AXIS_Y - h, binw - 1.0 > 1.0 ? binw - 1.0 : 1.0, h,
                      "#8da2c0");
        hh_buf_puts(b, "<title>");
        put_date(b, b0, with_time);
        hh_buf_puts(b, " \xe2\x80\x93 ");
        put_date(b, b1, with_time);
        hh_buf_printf(b, ": %zu key%s%s</title></rect>\n", bins[k], bins[k] == 1 ? "" : "s",
                      bin_rank[k] ? ", with findings" : "");
    }
    /* Rug: one tick per key under the axis; findings' keys as dots above. */
    for (size_t i = 0; i < np; i++) {
        double x = tl_x(pts[i].t, t0, t1);
        if (!pts[i].rank)
            hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#5c6f8f\" "
                             "stroke-opacity=\".35\"/>\n",
                          x, TL_AXIS_Y + 2, x, TL_AXIS_Y + 12);
    }
    put_dots(c, b, pts, np, labels, t0, t1, TL_BARS_TOP - 12, TL_AXIS_Y);
    /* Axis labels: both ends and four between. */
    for (int k = 0; k <= 5; k++) {
        long long t = t0 + (long long)((double)(t1 - t0) * k / 5.0);
        double x = tl_x(t, t0, t1);
        const char *anchor = k == 0 ? "start" : (k == 5 ? "end" : "middle");
        hh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa3b5\"/>", x, TL_AXIS_Y,
                      x, TL_AXIS_Y + 4);
        hh_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, TL_AXIS_Y + 32, anchor);
        put_date(b, t, with_time);
        hh_buf_puts(b, "</text>\n");
    }
    hh_buf_puts(b, "</svg>\n<p class=\"legend\">Bars: service keys written per period (UTC, log scale); ticks: one "
                   "per key (the later of the key and its Parameters).");
    if (c->is_findings)
        hh_buf_puts(b, " Dots: keys with findings, by the worst on the key (hover for the service):"
                       "<i style=\"background:#a61b29\"></i>critical<i style=\"background:#d9480f\"></i>high"
                       "<i style=\"background:#e0a800\"></i>medium<i style=\"background:#1c7ed6\"></i>low"
                       "<i style=\"background:#868e96\"></i>info");
    hh_buf_puts(b, "</p>\n");
    if (!with_time)
        write_day_detail(c, b, pts, np, labels);
    hh_buf_puts(b, "</section>\n");
    lua_pop(L, 4);
}

/* ---- tables ---- */

typedef enum { CELL_TEXT, CELL_MONO, CELL_CODE, CELL_NUM, CELL_TIME, CELL_SEVERITY, CELL_MESSAGE, CELL_JSON, CELL_FIRST_OF } cell_kind;

typedef struct html_column {
    const char *header;
    const char *field, *fallback;
    cell_kind kind;
} html_column;

/* One row per service key (hh_report_group_findings): its worst severity,
 * the rules that fired, the worst-ranked finding's message early (it is what
 * an analyst reads first), then context; Details holds every rule's
 * message and evidence. */
static const html_column finding_cols[] = {
    {"Severity", "severity", NULL, CELL_SEVERITY},   {"Score", "score", NULL, CELL_NUM},
    {"Service", "service", "task", CELL_CODE},       {"Rules", "rules", NULL, CELL_CODE},
    {"Message", "message", NULL, CELL_MESSAGE},      {"Last write (UTC)", "last_write", NULL, CELL_TIME},
    {"Control set", "control_set", NULL, CELL_TEXT}, {"Image path", "image_path", "command", CELL_MONO},
    {"ServiceDll", "service_dll", NULL, CELL_MONO},  {"Account", "object_name", NULL, CELL_CODE},
    {"Technique", "technique", NULL, CELL_CODE},     {"Details", "members", NULL, CELL_JSON},
};

static const html_column service_cols[] = {
    {"Last write (UTC)", "last_write", NULL, CELL_TIME}, {"Control set", "control_set", NULL, CELL_TEXT},
    {"Name", "name", NULL, CELL_CODE},                   {"Display name", "display_name", NULL, CELL_TEXT},
    {"Start", "start_name", "start", CELL_FIRST_OF},     {"Type", "type_name", "type", CELL_FIRST_OF},
    {"Account", "object_name", NULL, CELL_CODE},         {"Image path", "image_path", NULL, CELL_MONO},
    {"ServiceDll", "service_dll", NULL, CELL_MONO},      {"Group", "group", NULL, CELL_TEXT},
};

/* A code or mono cell shows its field, or the fallback when the field is
 * empty (a task's path where a service's name would be). */
static const char *present_field(hh_report_ctx *c, int rec, const html_column *col)
{
    if (!col->fallback)
        return col->field;
    hh_report_field_text(c, rec, col->field, &c->tmp);
    return c->tmp.len ? col->field : col->fallback;
}

static void write_table_head(hh_buf *b, const char *id, const html_column *cols, size_t n, int flag_col)
{
    hh_buf_printf(b, "<div class=\"tablewrap\"><table class=\"sortable\" id=\"%s\">\n<thead><tr>", id);
    if (flag_col)
        hh_buf_puts(b, "<th data-type=\"num\" title=\"Worst finding on this key\">Flag</th>");
    for (size_t k = 0; k < n; k++) {
        int num = cols[k].kind == CELL_NUM || cols[k].kind == CELL_TIME || cols[k].kind == CELL_SEVERITY;
        hh_buf_printf(b, "<th data-type=\"%s\">%s</th>", num ? "num" : "text", cols[k].header);
    }
    hh_buf_puts(b, "</tr></thead>\n<tbody>\n");
}

static void write_cell(hh_report_ctx *c, hh_buf *b, int rec, const html_column *col)
{
    lua_State *L = c->L;
    long long t;
    switch (col->kind) {
    case CELL_SEVERITY: {
        int rank = field_rank(c, rec);
        hh_buf_printf(b, "<td class=\"nw\" data-v=\"%d\">", rank);
        hh_report_field_text(c, rec, "severity", &c->tmp);
        if (rank)
            hh_buf_printf(b, "<span class=\"badge s-%s\">%s</span>", sev_names[rank - 1], sev_names[rank - 1]);
        else
            put_esc(b, c->tmp.data, c->tmp.len);
        break;
    }
    case CELL_NUM: {
        hh_report_push_field(c, rec, col->field);
        int isnum = lua_type(L, -1) == LUA_TNUMBER;
        lua_pop(L, 1);
        hh_report_field_text(c, rec, col->field, &c->tmp);
        hh_buf_puts(b, "<td class=\"num\"");
        if (isnum) { /* data-v only ever holds our own number text */
            hh_buf_puts(b, " data-v=\"");
            put_esc(b, c->tmp.data, c->tmp.len);
            hh_buf_putc(b, '"');
        }
        hh_buf_putc(b, '>');
        put_esc(b, c->tmp.data, c->tmp.len);
        break;
    }
    case CELL_TIME:
        if (hh_report_epoch(c, rec, &t))
            hh_buf_printf(b, "<td class=\"nw\" data-v=\"%lld\">", t);
        else
            hh_buf_puts(b, "<td class=\"nw\">");
        put_field(c, b, rec, col->field);
        break;
    case CELL_JSON:
        hh_report_push_field(c, rec, col->field);
        hh_buf_puts(b, "<td class=\"m\">");
        if (!lua_isnil(L, -1)) {
            hh_buf_reset(&c->tmp);
            hh_value_json(L, -1, &c->tmp, 0, 0);
            hh_buf_puts(b, "<details><summary>");
            hh_buf_put(b, "show", 4);
            hh_buf_puts(b, "</summary><pre>");
            put_esc(b, c->tmp.data, c->tmp.len);
            hh_buf_puts(b, "</pre></details>");
        }
        lua_pop(L, 1);
        break;
    case CELL_FIRST_OF:
        hh_buf_puts(b, "<td class=\"nw\">");
        hh_report_field_text(c, rec, col->field, &c->tmp);
        if (c->tmp.len == 0)
            hh_report_field_text(c, rec, col->fallback, &c->tmp);
        put_esc(b, c->tmp.data, c->tmp.len);
        break;
    case CELL_CODE:
        hh_buf_puts(b, "<td class=\"c\">");
        put_field(c, b, rec, present_field(c, rec, col));
        break;
    case CELL_MONO:
        hh_buf_puts(b, "<td class=\"m\">");
        put_field(c, b, rec, present_field(c, rec, col));
        break;
    case CELL_MESSAGE:
        hh_buf_puts(b, "<td class=\"msg\">");
        put_field(c, b, rec, col->field);
        break;
    default:
        hh_buf_puts(b, "<td>");
        put_field(c, b, rec, col->field);
        break;
    }
    hh_buf_puts(b, "</td>");
}

/* A service row's Details: each finding's rule, severity, message and evidence. */
static void write_details(hh_report_ctx *c, hh_buf *b, int group)
{
    lua_State *L = c->L;
    lua_getfield(L, group, "members");
    int members = lua_gettop(L);
    lua_Integer m = (lua_Integer)lua_rawlen(L, members);
    hh_buf_printf(b, "<td class=\"m\"><details><summary>%lld finding%s</summary>", (long long)m, m == 1 ? "" : "s");
    for (lua_Integer j = 1; j <= m; j++) {
        lua_rawgeti(L, members, j);
        lua_rawgeti(L, c->findings, lua_tointeger(L, -1));
        int rec = lua_gettop(L);
        hh_buf_puts(b, "<p><b>");
        put_field(c, b, rec, "rule");
        hh_buf_puts(b, "</b> (");
        put_field(c, b, rec, "severity");
        hh_buf_puts(b, ", ");
        put_field(c, b, rec, "technique");
        hh_buf_puts(b, "): ");
        put_field(c, b, rec, "message");
        hh_buf_puts(b, "</p><pre>");
        lua_getfield(L, rec, "evidence");
        hh_buf_reset(&c->tmp);
        if (!lua_isnil(L, -1))
            hh_value_json(L, -1, &c->tmp, 0, 0);
        put_esc(b, c->tmp.data, c->tmp.len);
        hh_buf_puts(b, "</pre>");
        lua_pop(L, 3);
    }
    hh_buf_puts(b, "</details></td>");
    lua_pop(L, 1);
}

/* One findings table row: line i of the grouped findings. */
static void write_line_row(hh_report_ctx *c, hh_buf *b, int groups, lua_Integer i, size_t ncols)
{
    lua_State *L = c->L;
    lua_rawgeti(L, groups, i);
    int rec = lua_gettop(L);
    hh_buf_printf(b, "<tr data-i=\"%lld\">", (long long)i);
    for (size_t k = 0; k < ncols; k++) {
        if (strcmp(finding_cols[k].field, "members") == 0)
            write_details(c, b, rec);
        else
            write_cell(c, b, rec, &finding_cols[k]);
    }
    hh_buf_puts(b, "</tr>\n");
    lua_pop(L, 1);
}

static void write_findings(hh_report_ctx *c, hh_buf *b, lua_Integer n)
{
    lua_State *L = c->L;
    size_t ncols = sizeof finding_cols / sizeof finding_cols[0];
    if (n == 0) {
        hh_buf_puts(b, "<section>\n<h2>Findings <span class=\"n\">(0)</span></h2>\n"
                       "<p class=\"empty\">No findings.</p>\n</section>\n");
        return;
    }
    lua_Integer ng = hh_report_group_findings(c, c->findings, n);
    int groups = lua_gettop(L);
    /* Several plugins: one table each, in the order of their worst line. */
    lua_Integer nplugins = hh_report_group_by_plugin(c, groups, ng);
    int order = lua_gettop(L) - 1, names = lua_gettop(L);
    if (nplugins <= 1) {
        lua_rawgeti(L, groups, 1);
        hh_report_field_text(c, lua_gettop(L), "plugin", &c->tmp);
        lua_pop(L, 1);
        const char *what = !c->tmp.len || strcmp(c->tmp.data, "services") == 0
                               ? (ng == 1 ? "service key" : "service keys")
                               : (ng == 1 ? "entry" : "entries");
        hh_buf_printf(b, "<section>\n<h2>Findings <span class=\"n\">(%lld on %lld %s: one row each)</span></h2>\n",
                      (long long)n, (long long)ng, what);
        write_table_head(b, "findings", finding_cols, ncols, 0);
        for (lua_Integer i = 1; i <= ng; i++)
            write_line_row(c, b, groups, i, ncols);
        hh_buf_puts(b, "</tbody></table></div>\n</section>\n");
        lua_pop(L, 3);
        return;
    }
    hh_buf_printf(b, "<section>\n<h2>Findings <span class=\"n\">(%lld, from %lld plugins: one row per entry)</span></h2>\n",
                  (long long)n, (long long)nplugins);
    lua_Integer at = 1;
    for (lua_Integer g = 1; g <= nplugins; g++) {
        lua_rawgeti(L, names, g);
        size_t plen;
        const char *plugin = lua_tolstring(L, -1, &plen);
        lua_Integer count = 0, nfind = 0;
        for (lua_Integer j = at; j <= ng; j++) {
            lua_rawgeti(L, order, j);
            lua_rawgeti(L, groups, lua_tointeger(L, -1));
            lua_pushliteral(L, "plugin");
            lua_rawget(L, -2);
            int same = lua_rawequal(L, -1, -4) || (lua_type(L, -1) != LUA_TSTRING && plen == 0);
            lua_pop(L, 1);
            if (same) {
                lua_getfield(L, -1, "members");
                nfind += (lua_Integer)lua_rawlen(L, -1);
                lua_pop(L, 1);
            }
            lua_pop(L, 2);
            if (!same)
                break;
            count++;
        }
        hh_buf_puts(b, "<h3 class=\"plugin\">");
        put_esc(b, plugin, plen);
        hh_buf_printf(b, " <span class=\"n\">(%lld)</span></h3>\n", (long long)nfind);
        char id[96];
        snprintf(id, sizeof id, g == 1 ? "findings" : "findings%lld", (long long)g);
        write_table_head(b, id, finding_cols, ncols, 0);
        for (lua_Integer j = at; j < at + count; j++) {
            lua_rawgeti(L, order, j);
            lua_Integer i = lua_tointeger(L, -1);
            lua_pop(L, 1);
            write_line_row(c, b, groups, i, ncols);
        }
        hh_buf_puts(b, "</tbody></table></div>\n");
        lua_pop(L, 1);
        at += count;
    }
    hh_buf_puts(b, "</section>\n");
    lua_pop(L, 3);
}

static void write_services(hh_report_ctx *c, hh_buf *b, lua_Integer n, int flags)
{
    lua_State *L = c->L;
    size_t ncols = sizeof service_cols / sizeof service_cols[0];
    hh_buf_printf(b, "<section>\n<h2>Services <span class=\"n\">(%lld rows: one per service per control set)</span>"
                     "</h2>\n",
                  (long long)n);
    if (n == 0) {
        hh_buf_puts(b, "<p class=\"empty\">No service rows.</p>\n</section>\n");
        return;
    }
    write_table_head(b, "services", service_cols, ncols, flags != 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, c->rows, i);
        int rec = lua_gettop(L);
        int rank = flags ? row_flag(L, flags, rec) : 0;
        if (rank)
            hh_buf_printf(b, "<tr data-i=\"%lld\" class=\"flag-%d\">", (long long)i, rank);
        else
            hh_buf_printf(b, "<tr data-i=\"%lld\">", (long long)i);
        if (flags) {
            if (rank)
                hh_buf_printf(b, "<td class=\"nw\" data-v=\"%d\"><span class=\"badge s-%s\">%s</span></td>", rank,
                              sev_names[rank - 1], sev_names[rank - 1]);
            else
                hh_buf_puts(b, "<td data-v=\"0\"></td>");
        }
        for (size_t k = 0; k < ncols; k++)
            write_cell(c, b, rec, &service_cols[k]);
        hh_buf_puts(b, "</tr>\n");
        lua_pop(L, 1);
    }
    hh_buf_puts(b, "</tbody></table></div>\n</section>\n");
}

void hh_report_html(hh_report_ctx *c)
{
    lua_State *L = c->L;
    hh_buf *b = &c->rec;
    lua_Integer nfind = c->is_findings ? hh_report_count(c, c->findings) : 0;
    lua_Integer nrows = hh_report_count(c, c->rows);

    /* Worst severity per key path, for the service table and the timeline. */
    size_t counts[NSEV + 1] = {0};
    int flags = 0;
    if (c->is_findings) {
        lua_newtable(L);
        flags = lua_gettop(L);
        for (lua_Integer i = 1; i <= nfind; i++) {
            lua_rawgeti(L, c->findings, i);
            int rec = lua_gettop(L);
            int rank = field_rank(c, rec);
            counts[rank]++;
            push_finding_id(L, rec);
            lua_pushvalue(L, -1);
            int have = lua_rawget(L, flags) == LUA_TNUMBER ? (int)lua_tointeger(L, -1) : 0;
            lua_pop(L, 1);
            int r = rank ? rank : 1;
            if (r > have) {
                lua_pushinteger(L, r);
                lua_rawset(L, flags); /* pops the id and the rank */
            } else {
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    }

    size_t n;
    const char *host = hh_report_meta_str(c, "host", &n);
    hh_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"referrer\" content=\"no-referrer\">\n<title>hivehunt: ");
    if (host)
        put_esc(b, host, n);
    else
        hh_buf_puts(b, "unknown host");
    if (c->is_findings)
        hh_buf_printf(b, " \xe2\x80\x94 %lld finding%s", (long long)nfind, nfind == 1 ? "" : "s");
    else
        hh_buf_puts(b, " \xe2\x80\x94 services");
    hh_buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>hivehunt %s report", css,
                  c->is_findings ? "findings" : "service");
    hh_buf_puts(b, "<span class=\"host\">");
    if (host)
        put_esc(b, host, n);
    hh_buf_puts(b, "</span></h1>\n<p>");
    const char *hive = hh_report_meta_str(c, "hive", &n);
    if (hive)
        put_esc(b, hive, n);
    hh_buf_puts(b, "</p>\n</header>\n<main>\n");
    write_summary(c, b, nfind, nrows, counts);
    write_timeline(c, b, flags, c->rows ? nrows : 0, nfind);
    if (c->is_findings)
        write_findings(c, b, nfind);
    write_services(c, b, nrows, flags);
    hh_buf_puts(b, "</main>\n<footer>Generated by ");
    const char *tool = hh_report_meta_str(c, "tool", &n);
    if (tool)
        put_esc(b, tool, n);
    else
        hh_buf_puts(b, "hivehunt");
    hh_buf_puts(b, ". Times are UTC. Control characters and bidi overrides in names are shown escaped "
                   "(\\x1b, \\u202e); bytes that are not UTF-8 as \\xNN.</footer>\n");
    hh_buf_printf(b, "<script>\n%s</script>\n</body>\n</html>\n", script);
    hh_report_emit(c, b);
    if (flags)
        lua_pop(L, 1);
}
