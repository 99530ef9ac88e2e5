/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* One hunt (or service listing) over one host's hives: open, extract with
 * the plugin, run the policies in the sandbox, write the report. Runs inside
 * an isolated child (isolate.h); shared by hunt, services and case.
 * The job is hunt.c; the options hunt_opts.c; the policy chain
 * hunt_policy.c; frames frames.c; hh_write_output atomic_write.c. */
#ifndef HH_HUNT_H
#define HH_HUNT_H

#include <stdint.h>
#include <stdio.h>

#include "isolate.h"
#include "report.h"
#include "sandbox.h"

#define HH_MAX_POLICIES 16
#define HH_MAX_ARGS 64

#define HH_HUNT_MAX_HIVES 64

typedef struct hh_hunt_opts {
    /* The hives of one host, any kinds, any order (kinds come from content).
     * Empty: system and software below are the hives. */
    const char *hives[HH_HUNT_MAX_HIVES];
    size_t nhives;
    unsigned char hive_soft[HH_HUNT_MAX_HIVES]; /* unreadable: named in the summary, the run goes on */
    const char *system;                  /* the run's label: the SYSTEM hive, else the first hive */
    const char *software;
    const char *baseline;
    const char *policies[HH_MAX_POLICIES];
    size_t npolicies;
    const char *args[HH_MAX_ARGS];       /* "policy.key=value" */
    size_t nargs;
    hh_format format;
    const char *output;
    /* Case runs: several formats from one run, each staged as a file in
     * report_dir (hh_stage_output) and named in a frame
     * ("HHFRAME staged <length>\n<format>"), then a "summary" frame with
     * the host's counts. */
    int framed;
    hh_format frame_formats[4];
    size_t nframe_formats;
    const char *report_dir;
    int has_since, has_until;
    int64_t since, until;
    int fail_on;                         /* severity rank, -1 none */
    int replay;
    int reader;                          /* --reader: HH_READER_CELLS or _LIBREGF (hive.h) */
    const char *logs[8];                 /* --log: the SYSTEM hive's transaction logs */
    size_t nlogs;
    const char *plugin_dir;
    const char *plugin;                  /* the first plugin of the chain: "services" */
    const char *plugins[8];              /* --plugin, in order (plugins[0] == plugin) */
    size_t nplugins;
    const char *host;                    /* --host: overrides the hive's ComputerName */
    hh_sandbox_limits sandbox;
    hh_isolate_limits isolate_limits;
    int isolate;                         /* 0: run in this process (debugging) */
    int color;
    int verbose;                         /* -v: the table shows each finding under its service */
    int services_only;                   /* the services and list commands: rows, no policy */
    int lenient_kinds;                   /* case: a hive no plugin reads is noted, not refused */
    const char *case_dir;                /* policies found there join the search path */
    int jobs;                            /* case: children at once (0: one per core) */
    int watch;                           /* hunt --watch: re-run on policy changes */
    int watch_runs;                      /* stop after this many runs (tests); 0 never */
} hh_hunt_opts;

void hh_hunt_opts_default(hh_hunt_opts *o);
/* Appends a hive; 1, or 0 when the list is full. */
int hh_hunt_opts_add_hive(hh_hunt_opts *o, const char *path, int soft);

/* Parses the options shared by hunt, services and case from argv (argv[0]
 * is the command). Positional arguments are collected in *positional.
 * Returns -1 to go on, or an exit code (help printed, usage error). */
int hh_hunt_parse(int argc, char **argv, hh_hunt_opts *o, const char **positional, int *npositional,
                  int max_positional, const char *usage_text);

/* hh_job_fn: ctx is an hh_hunt_opts. */
int hh_hunt_job(void *ctx, FILE *out);

/* The sandbox's require path: the shipped Lua, the user's
 * $XDG_CONFIG_HOME/hivehunt (or ~/.config/hivehunt), the case folder. */
void hh_policy_search_dirs(const hh_hunt_opts *o, const char **dirs, size_t *n, char *xdg, size_t xdglen);
/* For a --policy spec "PLUGIN=FILE", the '='; NULL for a bare FILE (which
 * layers over the primary plugin, services unless --plugin says otherwise). */
const char *hh_policy_target(const char *spec);
/* The local policy layers over the shipped one, in order: <user dir>/<plugin>.lua,
 * <case dir>/<plugin>.lua (where they exist), then every --policy. */
size_t hh_policy_layer_files(const hh_hunt_opts *o, const char *plugin, const char **files, char store[2][4200]);

/* Loads the policy chain in sb and evaluates it on the input table at
 * index input; pushes the enriched, sorted findings. 1, or -1 with err. */
int hh_run_policy(hh_sandbox *sb, const hh_hunt_opts *o, int input, const char *plugin, char *err, size_t errlen);

/* Percent-escapes control bytes and '%' so a value can sit in a frame's
 * "key\tvalue" line (cmd_case.c decodes it). */
struct hh_buf;
void hh_frame_escape(struct hh_buf *b, const char *s);

/* One frame of a framed (case) run. */
void hh_frame_write(FILE *out, const char *name, const char *data, size_t len);

/* ISO 8601 UTC ("2026-10-14", "2026-10-14T02:10:00Z", "...+00:00") to Unix
 * seconds; 1 ok, 0 not understood. */
int hh_parse_cli_time(const char *s, int64_t *out);

/* Writes data to path atomically (temp file + rename) or to stdout when
 * path is NULL or "-". 1, or -1 with err. */
int hh_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* A job's child writes a report for path to "<path>.staged-<its pid>";
 * the parent renames it to path when the job finished, or removes it.
 * 1, or -1 with err (commit: the staged file is removed). */
int hh_stage_output(const char *path, const char *data, size_t len, char *err, size_t errlen);
int hh_commit_staged(const char *path, long pid, char *err, size_t errlen);
void hh_drop_staged(const char *path, long pid);

/* mkdir -p; 0, or -1 with errno. */
int hh_make_dirs(const char *path);

/* The file in dir a case run writes a host's report to in format f, into
 * buf; 0 for a format it does not write (or a path longer than buf). */
int hh_report_path(char *buf, size_t len, const char *dir, hh_format f);

#endif
