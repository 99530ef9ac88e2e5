/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt hunt SYSTEM [...] and hivehunt services SYSTEM [...]. */
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "commands.h"
#include "hunt.h"

static const char hunt_usage[] =
    "usage: hivehunt hunt SYSTEM [--software SOFTWARE] [--baseline GOLDEN] [--policy FILE]...\n"
    "                     [--format table|csv|jsonl|tln|html] [--output FILE]\n"
    "                     [--since ISO8601] [--until ISO8601] [--fail-on SEVERITY]\n"
    "                     [--no-replay] [--log SYSTEM.LOG1]...\n"
    "                     [--arg POLICY.KEY=VALUE]... [--host NAME] [--plugin-dir DIR] [--plugin NAME]...\n"
    "                     [--max-memory MB] [--max-instructions N] [--timeout SECONDS] [--watch] [-v]\n"
    "Hunts service persistence (T1543.003) in a SYSTEM hive: findings, worst first.\n"
    "The table shows one line per service and control set (worst severity, score, the rules\n"
    "that fired); -v adds each rule's message and evidence. csv and jsonl: one line per finding.\n"
    "GOLDEN is a known-good SYSTEM hive or a 'hivehunt services --format jsonl' export.\n"
    "A dirty SYSTEM hive's transaction logs are found beside it (.LOG1/.LOG2/.LOG, any case)\n"
    "and replayed in memory; --log names them instead, --no-replay reads the primary as is.\n"
    "--plugin NAME (repeatable) runs a chain of plugins in order, services first by default;\n"
    "a later plugin's policy reads the earlier ones' rows at input.previous[<name>].\n"
    "--watch parses the hives once, then runs the policy again each time a policy file is\n"
    "saved and prints the findings added, gone and re-scored.\n";

static const char services_usage[] =
    "usage: hivehunt services SYSTEM [--software SOFTWARE] [--format table|csv|jsonl|tln|html]\n"
    "                         [--output FILE] [--no-replay] [--log FILE]... [--host NAME] [--plugin-dir DIR]\n"
    "Lists every service of every control set, newest key LastWrite first. No policy runs.\n";

static void report_failure(hh_job *job, void *ud)
{
    (void)ud;
    if (!job->finished)
        hh_error(job->label, "%s", job->failure);
}

static int run(int argc, char **argv, int services_only)
{
    hh_hunt_opts o;
    hh_hunt_opts_default(&o);
    o.services_only = services_only;
    const char *pos[1];
    int npos = 0;
    int rc = hh_hunt_parse(argc, argv, &o, pos, &npos, 1, services_only ? services_usage : hunt_usage);
    if (rc >= 0)
        return rc;
    if (o.jobs) {
        hh_error(NULL, "--jobs applies to 'hivehunt case'");
        return HH_EXIT_USAGE;
    }
    if (npos != 1) {
        hh_error(NULL, "%s needs one SYSTEM hive (see 'hivehunt %s --help')", argv[0], argv[0]);
        return HH_EXIT_USAGE;
    }
    o.system = pos[0];
    if (o.watch) {
        if (services_only || o.output) {
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

int hh_cmd_hunt(int argc, char **argv) { return run(argc, argv, 0); }
int hh_cmd_services(int argc, char **argv) { return run(argc, argv, 1); }
