/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt hunt HIVE..., hivehunt list PLUGIN HIVE... and its alias
 * hivehunt services SYSTEM [...]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "commands.h"
#include "hunt.h"

static const char hunt_usage[] =
    "usage: hivehunt hunt HIVE... [--software SOFTWARE] [--baseline GOLDEN] [--policy [PLUGIN=]FILE]...\n"
    "                     [--format table|csv|jsonl|tln|html] [--output FILE]\n"
    "                     [--since ISO8601] [--until ISO8601] [--fail-on SEVERITY]\n"
    "                     [--no-replay] [--log FIRST_HIVE.LOG1]... [--reader cells|libregf]\n"
    "                     [--arg POLICY.KEY=VALUE]... [--host NAME] [--plugin-dir DIR] [--plugin NAME]...\n"
    "                     [--max-memory MB] [--max-cpu SECONDS] [--max-instructions N] [--timeout SECONDS]\n"
    "                     [--watch] [-v]\n"
    "Hunts persistence in one host's hives (SYSTEM, SOFTWARE, users' NTUSER.DAT, in any order;\n"
    "kinds are told from content): every installed plugin whose hives were given runs, the\n"
    "correlation policy last, and one report holds every finding, worst first. Plugins left\n"
    "out are named on stderr with the reason. --software FILE is another way to give a hive.\n"
    "GOLDEN is a known-good host's folder (its hives, found as 'case' finds them: a baseline\n"
    "for every plugin), a known-good SYSTEM hive or a 'hivehunt services --format jsonl' export\n"
    "(those two: the services plugin's baseline).\n"
    "A dirty hive's transaction logs are found beside it (.LOG1/.LOG2/.LOG, any case) and\n"
    "replayed in memory; --log names the first hive's instead, --no-replay reads primaries as is.\n"
    "--reader libregf reads keys and values through libregf alone; the default (cells) reads\n"
    "those of intact hives from their cells, with the same results, asking libregf the rest.\n"
    "--plugin NAME (repeatable) narrows the run to those plugins, in that order; a later\n"
    "plugin's policy reads the earlier ones' rows at input.previous[<name>].\n"
    "--policy FILE layers over the first plugin's policy (services by default);\n"
    "--policy PLUGIN=FILE over that plugin's (tasks=mine.lua, correlate=mine.lua).\n"
    "The table shows one line per finding subject (a service and control set, a task, an\n"
    "autostart entry: worst severity, score, the rules that fired); -v adds each rule's\n"
    "message and evidence. csv and jsonl: one line per finding.\n"
    "--watch parses the hives once, then runs the policy again each time a policy file is\n"
    "saved and prints the findings added, gone and re-scored.\n"
    "Each policy call may allocate --max-memory MB (default 64) and use --max-cpu SECONDS of\n"
    "CPU (default 10); --max-instructions N adds an exact count of Lua instructions (slower).\n"
    "--timeout bounds each hive's child process (default 180 s wall clock).\n";

static const char services_usage[] =
    "usage: hivehunt services SYSTEM [--software SOFTWARE] [--format table|csv|jsonl|tln|html]\n"
    "                         [--output FILE] [--no-replay] [--log FILE]... [--reader cells|libregf]\n"
    "                         [--host NAME] [--plugin-dir DIR]\n"
    "Lists every service of every control set, newest key LastWrite first. No policy runs.\n"
    "The same as 'hivehunt list services SYSTEM [SOFTWARE]'.\n";

static const char list_usage[] =
    "usage: hivehunt list PLUGIN HIVE... [--format table|csv|jsonl|tln|html] [--output FILE]\n"
    "                     [--no-replay] [--log FILE]... [--reader cells|libregf] [--host NAME] [--plugin-dir DIR]\n"
    "Prints a plugin's raw rows over the hives given. No policy runs.\n";

static void report_failure(hh_job *job, void *ud)
{
    (void)ud;
    if (!job->finished)
        hh_error(job->label, "%s", job->failure);
}

enum { MODE_HUNT, MODE_SERVICES, MODE_LIST };

static int run(int argc, char **argv, int mode)
{
    hh_hunt_opts o;
    hh_hunt_opts_default(&o);
    o.services_only = mode != MODE_HUNT;
    const char *pos[HH_HUNT_MAX_HIVES + 1];
    int npos = 0;
    const char *usage = mode == MODE_HUNT ? hunt_usage : mode == MODE_SERVICES ? services_usage : list_usage;
    int rc = hh_hunt_parse(argc, argv, &o, pos, &npos, HH_HUNT_MAX_HIVES + (mode == MODE_LIST), usage);
    if (rc >= 0)
        return rc;
    if (o.jobs) {
        hh_error(NULL, "--jobs applies to 'hivehunt case'");
        return HH_EXIT_USAGE;
    }
    int first = 0;
    if (mode == MODE_LIST) {
        if (npos < 2) {
            hh_error(NULL, "list needs a PLUGIN and at least one HIVE (see 'hivehunt list --help')");
            return HH_EXIT_USAGE;
        }
        if (o.nplugins) {
            hh_error(NULL, "list names its plugin first: 'hivehunt list PLUGIN HIVE...'");
            return HH_EXIT_USAGE;
        }
        o.plugin = pos[0];
        first = 1;
    }
    if (mode == MODE_SERVICES && npos != 1) {
        hh_error(NULL, "services needs one SYSTEM hive (see 'hivehunt services --help')");
        return HH_EXIT_USAGE;
    }
    if (mode == MODE_HUNT && npos < 1 && !o.software) {
        hh_error(NULL, "hunt needs at least one hive (see 'hivehunt hunt --help')");
        return HH_EXIT_USAGE;
    }
    for (int i = first; i < npos; i++)
        hh_hunt_opts_add_hive(&o, pos[i], 0);
    if (o.software && !hh_hunt_opts_add_hive(&o, o.software, 0)) {
        hh_error(NULL, "at most %d hives", HH_HUNT_MAX_HIVES);
        return HH_EXIT_USAGE;
    }
    o.system = o.hives[0];
    if (o.watch) {
        if (o.services_only || o.output) {
            hh_error(NULL, "--watch prints to the terminal: it goes with hunt and without --output");
            return HH_EXIT_USAGE;
        }
        /* The loop prints as it goes, so it runs in this process; the
         * policy still runs in the sandbox with its limits. */
        return hh_hunt_job(&o, stdout);
    }
    hh_job job = {.fn = hh_hunt_job, .ctx = &o, .label = o.system};
    hh_jobs_run(&job, 1, 1, &o.isolate_limits, o.isolate, report_failure, NULL);
    int code = job.exit_code;
    if (job.finished && (code == HH_EXIT_OK || code == HH_EXIT_FINDINGS)) {
        char err[1024];
        if (hh_write_output(o.output, job.output, job.output_len, err, sizeof err) != 1) {
            hh_error(NULL, "%s", err);
            code = HH_EXIT_INPUT;
        }
    }
    hh_job_release(&job);
    return code;
}

int hh_cmd_hunt(int argc, char **argv) { return run(argc, argv, MODE_HUNT); }
int hh_cmd_services(int argc, char **argv) { return run(argc, argv, MODE_SERVICES); }
int hh_cmd_list(int argc, char **argv) { return run(argc, argv, MODE_LIST); }
