/* Layer: report. May call: fields.h, escape.h, base, Lua's C API; never the
 * dispatcher. */
/* table: aligned columns for a terminal. Every cell goes through
 * hh_esc_term, so no byte of a hive reaches the terminal as a control;
 * widths are display columns; long cells are cut with an ellipsis. Colour
 * (severity only) when the caller says the output is a terminal.
 * Findings are shown one line per entry (a service key in one control set,
 * a task, an autostart value), each plugin's under its name when several
 * found something: its worst severity, the score, and the rules that fired; with
 * meta.verbose (-v) each rule's message and evidence follow on their own
 * lines. csv and jsonl keep one record per finding. */
#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#include "fields.h"

typedef enum { SRC_FIELD, SRC_FIRST_OF, SRC_SEVERITY } cell_source;

typedef struct column {
    const char *header;
    cell_source source;
    const char *field;            /* SRC_FIRST_OF: the first of field and */
    const char *fallback[3];      /* these that is not empty */
    size_t cap;                   /* widest cell before it is cut */
    int right;                    /* right-aligned (numbers) */
} column;

static const column finding_columns[] = {
    {"SEVERITY", SRC_SEVERITY, "severity", {NULL}, 8, 0},
    {"SCORE", SRC_FIELD, "score", {NULL}, 6, 1},
    {"LAST_WRITE", SRC_FIELD, "last_write", {NULL}, 24, 0},
    /* What the line is about: a service, a task, an autostart value. */
    {"SERVICE", SRC_FIRST_OF, "service", {"task", "value", "location"}, 32, 0},
    {"SET", SRC_FIELD, "control_set", {NULL}, 14, 0},
    {"RULES", SRC_FIELD, "rules", {NULL}, 100, 0},
    /* What runs: a svchost service's DLL, else its ImagePath; a task's or an
     * autostart entry's command. */
    {"PATH", SRC_FIRST_OF, "service_dll", {"image_path", "command"}, 60, 0},
};

static const column service_columns[] = {
    {"LAST_WRITE", SRC_FIELD, "last_write", {NULL}, 24, 0},
    {"SET", SRC_FIELD, "control_set", {NULL}, 14, 0},
    {"NAME", SRC_FIELD, "name", {NULL}, 32, 0},
    {"START", SRC_FIRST_OF, "start_name", {"start"}, 14, 0},
    {"TYPE", SRC_FIRST_OF, "type_name", {"type"}, 20, 0},
    {"ACCOUNT", SRC_FIELD, "object_name", {NULL}, 28, 0},
    {"IMAGE_PATH", SRC_FIELD, "image_path", {NULL}, 60, 0},
    {"SERVICE_DLL", SRC_FIELD, "service_dll", {NULL}, 60, 0},
};

#define MAX_COLUMNS 8
static const char *const severities[] = {"critical", "high", "medium", "low", "info"};
#define NSEVERITIES 5

static const char *severity_colour(const char *sev)
{
    if (strcmp(sev, "critical") == 0) return "\x1b[1;97;41m";
    if (strcmp(sev, "high") == 0) return "\x1b[1;31m";
    if (strcmp(sev, "medium") == 0) return "\x1b[33m";
    if (strcmp(sev, "low") == 0) return "\x1b[36m";
    if (strcmp(sev, "info") == 0) return "\x1b[2m";
    return NULL;
}

static size_t severity_index(const hh_buf *b)
{
    size_t s = 0;
    while (s < NSEVERITIES && !(b->data && strcmp(b->data, severities[s]) == 0))
        s++;
    return s;
}

/* -v: each finding of a service line, indented, its message and evidence. */
static void put_members(hh_report_ctx *c, int records, int group)
{
    lua_State *L = c->L;
    lua_getfield(L, group, "members");
    int members = lua_gettop(L);
    lua_Integer m = (lua_Integer)lua_rawlen(L, members);
    for (lua_Integer j = 1; j <= m; j++) {
        lua_rawgeti(L, members, j);
        lua_rawgeti(L, records, lua_tointeger(L, -1));
        int rec = lua_gettop(L);
        static const char *const parts[] = {"rule", "severity", "message"};
        static const char *const before[] = {"    ", " (", "): "};
        for (size_t k = 0; k < 3; k++) {
            hh_buf_puts(&c->rec, before[k]);
            hh_report_field_text(c, rec, parts[k], &c->tmp);
            hh_esc_term(&c->rec, c->tmp.data ? c->tmp.data : "", c->tmp.len, 0);
        }
        hh_buf_puts(&c->rec, "\n      evidence: ");
        lua_getfield(L, rec, "evidence");
        hh_buf_reset(&c->tmp);
        if (!lua_isnil(L, -1))
            hh_value_json(L, -1, &c->tmp, 0, 0);
        hh_esc_term(&c->rec, c->tmp.data ? c->tmp.data : "", c->tmp.len, 0);
        hh_buf_putc(&c->rec, '\n');
        hh_report_emit(c, &c->rec);
        lua_pop(L, 3);
    }
    lua_pop(L, 1);
}

/* Raw text of one cell into b. */
static void cell_text(hh_report_ctx *c, int rec, const column *col, hh_buf *b)
{
    hh_report_field_text(c, rec, col->field, b);
    for (size_t i = 0; col->source == SRC_FIRST_OF && b->len == 0 && i < 3 && col->fallback[i]; i++)
        hh_report_field_text(c, rec, col->fallback[i], b);
    /* Other plugins' findings name what runs as binary or command. */
    if (col->source == SRC_FIRST_OF && b->len == 0 && c->is_findings)
        hh_report_field_text(c, rec, "binary", b);
    if (col->source == SRC_FIRST_OF && b->len == 0 && c->is_findings)
        hh_report_field_text(c, rec, "command", b);
    if (col->source == SRC_SEVERITY)
        for (size_t i = 0; i < b->len; i++)
            b->data[i] = (char)toupper((unsigned char)b->data[i]);
}

void hh_report_table(hh_report_ctx *c)
{
    lua_State *L = c->L;
    const column *cols = c->is_findings ? finding_columns : service_columns;
    size_t ncols = c->is_findings ? sizeof finding_columns / sizeof *cols : sizeof service_columns / sizeof *cols;
    /* Another plugin's rows: their first columns, as the plugin orders them. */
    column generic[MAX_COLUMNS];
    if (!c->is_findings && c->row_fields != hh_row_fields) {
        ncols = c->row_nfields < MAX_COLUMNS ? c->row_nfields : MAX_COLUMNS;
        for (size_t k = 0; k < ncols; k++) {
            generic[k] = (column){c->row_fields[k].name, SRC_FIELD, c->row_fields[k].name, {NULL}, 48, 0};
        }
        cols = generic;
    }
    int records = hh_report_records(c);
    lua_Integer n = hh_report_count(c, records);
    lua_Integer nfindings = n;
    size_t counts[NSEVERITIES + 1] = {0};
    int verbose = 0;
    if (c->is_findings) {
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, records, i);
            hh_report_field_text(c, lua_gettop(L), "severity", &c->tmp);
            counts[severity_index(&c->tmp)]++;
            lua_pop(L, 1);
        }
        if (c->meta) {
            lua_getfield(L, c->meta, "verbose");
            verbose = lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        n = hh_report_group_findings(c, records, n);
    }
    int lines = c->is_findings ? lua_gettop(L) : records;
    /* Findings of several plugins: each plugin's lines together, under its
     * name. */
    lua_Integer ngroups = c->is_findings ? hh_report_group_by_plugin(c, lines, n) : 0;
    int order = ngroups ? lua_gettop(L) - 1 : 0, names = ngroups ? lua_gettop(L) : 0;
    if (ngroups == 1) {
        lua_pop(L, 2);
        ngroups = 0;
        order = names = 0;
    }

    /* Pass 1: every escaped cell, kept as Lua strings (collected on error). */
    lua_createtable(L, (int)(n * (lua_Integer)ncols), 0);
    int cells = lua_gettop(L);
    size_t width[MAX_COLUMNS];
    for (size_t k = 0; k < ncols; k++)
        width[k] = strlen(cols[k].header);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_Integer r = i;
        if (order) {
            lua_rawgeti(L, order, i);
            r = lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        lua_rawgeti(L, lines, r);
        int rec = lua_gettop(L);
        for (size_t k = 0; k < ncols; k++) {
            cell_text(c, rec, &cols[k], &c->tmp);
            hh_buf_reset(&c->tmp2);
            size_t w = hh_esc_term(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len, cols[k].cap);
            if (c->tmp2.oom)
                luaL_error(L, "out of memory building the report");
            if (w > width[k])
                width[k] = w;
            lua_pushlstring(L, c->tmp2.data ? c->tmp2.data : "", c->tmp2.len);
            lua_rawseti(L, cells, (i - 1) * (lua_Integer)ncols + (lua_Integer)k + 1);
        }
        lua_pop(L, 1);
    }

    /* Pass 2: header, rows, a count line; each line written whole. */
    for (size_t k = 0; k < ncols; k++) {
        if (k)
            hh_buf_puts(&c->rec, "  ");
        if (c->color)
            hh_buf_puts(&c->rec, "\x1b[1m");
        hh_buf_puts(&c->rec, cols[k].header);
        if (c->color)
            hh_buf_puts(&c->rec, "\x1b[0m");
        if (k + 1 < ncols)
            hh_buf_fill(&c->rec, ' ', width[k] - strlen(cols[k].header));
    }
    hh_buf_putc(&c->rec, '\n');
    hh_report_emit(c, &c->rec);
    const char *group = NULL;
    for (lua_Integer i = 1; i <= n; i++) {
        if (order) {
            /* A title line where the next plugin's findings start. */
            lua_rawgeti(L, order, i);
            lua_rawgeti(L, lines, lua_tointeger(L, -1));
            lua_pushliteral(L, "plugin");
            lua_rawget(L, -2);
            const char *p = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (!group || strcmp(group, p) != 0) {
                lua_Integer in_group = 0;
                for (lua_Integer j = i; j <= n; j++) {
                    lua_rawgeti(L, order, j);
                    lua_rawgeti(L, lines, lua_tointeger(L, -1));
                    lua_pushliteral(L, "plugin");
                    lua_rawget(L, -2);
                    const char *q = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
                    int same = strcmp(q, p) == 0;
                    lua_pop(L, 1);
                    if (same) {
                        lua_getfield(L, -1, "members");
                        in_group += (lua_Integer)lua_rawlen(L, -1);
                        lua_pop(L, 1);
                    }
                    lua_pop(L, 2);
                    if (!same)
                        break;
                }
                hh_buf_puts(&c->rec, i > 1 ? "\n== " : "== ");
                hh_esc_term(&c->rec, p, strlen(p), 40);
                hh_buf_printf(&c->rec, " (%lld finding%s)\n", (long long)in_group, in_group == 1 ? "" : "s");
                hh_report_emit(c, &c->rec);
                lua_pushvalue(L, -1);
                lua_replace(L, names); /* keeps p alive while group points at it */
                group = lua_tostring(L, names);
            }
            lua_pop(L, 3);
        }
        for (size_t k = 0; k < ncols; k++) {
            size_t len;
            lua_rawgeti(L, cells, (i - 1) * (lua_Integer)ncols + (lua_Integer)k + 1);
            const char *s = lua_tolstring(L, -1, &len);
            size_t w = hh_esc_term_width(s, len);
            size_t pad = w < width[k] ? width[k] - w : 0;
            const char *colour = NULL;
            if (c->color && cols[k].source == SRC_SEVERITY) {
                char lower[16] = "";
                for (size_t j = 0; j < len && j + 1 < sizeof lower; j++)
                    lower[j] = (char)tolower((unsigned char)s[j]), lower[j + 1] = '\0';
                colour = severity_colour(lower);
            }
            if (k)
                hh_buf_puts(&c->rec, "  ");
            if (cols[k].right)
                hh_buf_fill(&c->rec, ' ', pad);
            if (colour)
                hh_buf_puts(&c->rec, colour);
            hh_buf_put(&c->rec, s, len);
            if (colour)
                hh_buf_puts(&c->rec, "\x1b[0m");
            if (!cols[k].right && k + 1 < ncols)
                hh_buf_fill(&c->rec, ' ', pad);
            lua_pop(L, 1);
        }
        /* A cut-off or empty last column can leave trailing blanks: trim. */
        while (c->rec.len && c->rec.data[c->rec.len - 1] == ' ')
            c->rec.len--;
        hh_buf_putc(&c->rec, '\n');
        hh_report_emit(c, &c->rec);
        if (verbose) {
            lua_Integer r = i;
            if (order) {
                lua_rawgeti(L, order, i);
                r = lua_tointeger(L, -1);
                lua_pop(L, 1);
            }
            lua_rawgeti(L, lines, r);
            put_members(c, records, lua_gettop(L));
            lua_pop(L, 1);
        }
    }
    if (c->is_findings) {
        /* A line is a service key when only the services plugin found something. */
        int services_only = !order;
        if (services_only && n > 0) {
            lua_rawgeti(L, lines, 1);
            hh_report_field_text(c, lua_gettop(L), "plugin", &c->tmp);
            services_only = !c->tmp.len || strcmp(c->tmp.data, "services") == 0;
            lua_pop(L, 1);
        }
        hh_buf_printf(&c->rec, "%lld finding%s on %lld %s", (long long)nfindings, nfindings == 1 ? "" : "s",
                      (long long)n, services_only ? (n == 1 ? "service key" : "service keys")
                                                  : (n == 1 ? "entry" : "entries"));
        const char *sep = " (";
        for (size_t s = 0; s <= NSEVERITIES; s++) {
            if (!counts[s])
                continue;
            hh_buf_printf(&c->rec, "%s%zu %s", sep, counts[s], s < NSEVERITIES ? severities[s] : "other");
            sep = ", ";
        }
        hh_buf_puts(&c->rec, nfindings ? ")\n" : "\n");
    } else {
        hh_buf_printf(&c->rec, "%lld %s%s\n", (long long)n, c->row_fields != hh_row_fields ? "row" : "service row",
                      n == 1 ? "" : "s");
    }
    hh_report_emit(c, &c->rec);
    if (order)
        lua_pop(L, 2);
    lua_pop(L, c->is_findings ? 2 : 1);
}
