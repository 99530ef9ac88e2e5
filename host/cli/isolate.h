/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* Hive parsing and policies run in child processes: the reader is treated
 * as untrusted (a hostile hive can crash or hang libregf). A child writes
 * its report into a pipe (a case child stages its report files and names
 * them there, atomic_write.c); the parent keeps it only when the child
 * finished, so a crash or timeout never leaves a half-written report. */
#ifndef HH_ISOLATE_H
#define HH_ISOLATE_H

#include <stddef.h>
#include <stdio.h>

typedef struct hh_isolate_limits {
    int cpu_seconds;          /* RLIMIT_CPU of each child; 0 none */
    int wall_seconds;         /* killed after this long; 0 none */
    size_t address_space_mb;  /* RLIMIT_AS; 0 none (ignored under ASan) */
} hh_isolate_limits;

void hh_isolate_limits_default(hh_isolate_limits *lim);

/* A unit of work: fn runs in the child and writes its report to out; its
 * return value is the child's exit code. */
typedef int (*hh_job_fn)(void *ctx, FILE *out);

typedef struct hh_job {
    hh_job_fn fn;
    void *ctx;
    const char *label;        /* names the input in messages */
    /* results */
    int exit_code;            /* the child's, or 3 for a crash/timeout */
    int finished;             /* the child exited by itself */
    long pid;                 /* the process that ran it (the child, or this one inline) */
    char *output;             /* what it wrote, NULL if none; hh_job_release frees it */
    size_t output_len;
    size_t output_mapped;     /* (how output is held: see hh_job_release) */
    char failure[256];        /* why it did not finish, "" if it did */
} hh_job;

/* Runs the jobs, at most `parallel` at a time, in order of start. A job
 * whose child crashes or times out gets exit code 3 and a failure reason;
 * the others are unaffected. `done` (may be NULL) is called in the parent
 * as each job ends. With isolate 0 the jobs run in this process instead
 * (for debugging and fuzzing). */
void hh_jobs_run(hh_job *jobs, size_t n, int parallel, const hh_isolate_limits *lim, int isolate,
                 void (*done)(hh_job *job, void *ud), void *ud);
void hh_job_release(hh_job *job);

/* 1 in a job's child process: it ends with _exit once the job returns, so
 * a job may leave its memory to the kernel instead of freeing it. */
int hh_job_in_child(void);

#endif
