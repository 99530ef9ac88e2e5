/* Layer: cli. May call: diag.h, base, libc. */
#define _GNU_SOURCE 1 /* F_SETPIPE_SZ, mremap: Linux */
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "heap.h"
#include "hh_limits.h"

#include "hh_asan.h"

void hh_isolate_limits_default(hh_isolate_limits *lim)
{
    lim->cpu_seconds = HH_HIVE_CPU_SECONDS_DEFAULT;
    lim->wall_seconds = HH_HIVE_WALL_SECONDS_DEFAULT;
    lim->address_space_mb = HH_HIVE_ADDRESS_SPACE_DEFAULT_MB;
}

static int in_child;

int hh_job_in_child(void) { return in_child; }

typedef struct running {
    hh_job *job;
    pid_t pid;
    int fd;
    double deadline;
    char *buf;
    size_t len, cap;
    int killed_for_time;
    int unread, unread_errno; /* its report could not be read: out of memory, a read error */
} running;

/* What a child writes is read into buffers mapped outside the heap and
 * kept out of every fork: a buffer in the heap is write-protected by each
 * fork and re-faulted page by page as the next output arrives (a hunt's
 * HTML report runs to megabytes), and grows by copying. Released buffers
 * wait here for the next job, their pages already in place. */
#define OUTPUT_BUFFER_FIRST ((size_t)1 << 20)
#define OUTPUT_POOL 8
static struct {
    char *p;
    size_t cap;
} output_pool[OUTPUT_POOL];
static int output_pooled;

static void output_buffer_put(char *p, size_t cap)
{
    if (!p)
        return;
    if (output_pooled < OUTPUT_POOL) {
        output_pool[output_pooled].p = p;
        output_pool[output_pooled++].cap = cap;
        return;
    }
    munmap(p, cap);
}

static char *output_buffer_get(size_t *cap)
{
    if (output_pooled > 0) {
        output_pooled--;
        *cap = output_pool[output_pooled].cap;
        return output_pool[output_pooled].p;
    }
    void *p = mmap(NULL, OUTPUT_BUFFER_FIRST, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, OUTPUT_BUFFER_FIRST, MADV_DONTFORK); /* best effort: without it, only slower */
    *cap = OUTPUT_BUFFER_FIRST;
    return p;
}

/* Room for at least `room` more bytes; 0 when out of memory. */
static int output_buffer_room(running *r, size_t room)
{
    if (r->cap - r->len >= room)
        return 1;
    if (!r->buf) {
        r->buf = output_buffer_get(&r->cap);
        return r->buf && r->cap - r->len >= room;
    }
    size_t cap = r->cap * 2;
    void *grown = mremap(r->buf, r->cap, cap, MREMAP_MAYMOVE); /* moves pages, copies nothing */
    if (grown == MAP_FAILED)
        return 0;
    r->buf = grown;
    r->cap = cap;
    return 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void apply_limits(const hh_isolate_limits *lim)
{
    if (lim->cpu_seconds > 0) {
        struct rlimit r = {(rlim_t)lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 1};
        setrlimit(RLIMIT_CPU, &r);
    }
#ifndef HH_UNDER_ASAN
    if (lim->address_space_mb > 0) {
        rlim_t bytes = (rlim_t)lim->address_space_mb << 20;
        struct rlimit r = {bytes, bytes};
        setrlimit(RLIMIT_AS, &r);
    }
#endif
    /* A crash must not leave a core file of evidence lying around. */
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
}

static int start_child(running *r, const hh_isolate_limits *lim)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(r->job->failure, sizeof r->job->failure, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(r->job->failure, sizeof r->job->failure, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        in_child = 1;
        hh_heap_claim();
        close(fds[0]);
        apply_limits(lim);
        FILE *out = fdopen(fds[1], "w");
        if (!out)
            _exit(HH_EXIT_INPUT);
        /* A report is written in a few large writes, not 4 KB ones that
         * each wake the parent (a host's HTML report is 0.5 MB or more). */
        setvbuf(out, NULL, _IOFBF, (size_t)1 << 20);
        int code = r->job->fn(r->job->ctx, out);
        if (fclose(out) != 0 && code == HH_EXIT_OK)
            code = HH_EXIT_INPUT;
        fflush(stderr);
        _exit(code);
    }
    close(fds[1]);
#ifdef F_SETPIPE_SZ
    fcntl(fds[0], F_SETPIPE_SZ, 1 << 20); /* best effort: the default 64 KB works, with more wake-ups */
#endif
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    r->pid = pid;
    r->job->pid = (long)pid;
    r->fd = fds[0];
    r->deadline = lim->wall_seconds > 0 ? now_seconds() + lim->wall_seconds : 0;
    return 0;
}

static void finish_child(running *r, const hh_isolate_limits *lim)
{
    int status = 0;
    while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
        ;
    hh_job *job = r->job;
    if (r->unread) {
        snprintf(job->failure, sizeof job->failure, "its report could not be read: %s",
                 strerror(r->unread_errno));
        job->exit_code = HH_EXIT_INPUT;
    } else if (r->killed_for_time) {
        snprintf(job->failure, sizeof job->failure, "gave up after %d s (wall-clock limit): the hive may be crafted to hang readers, or a policy to run without end",
                 lim->wall_seconds);
        job->exit_code = HH_EXIT_INPUT;
    } else if (WIFEXITED(status)) {
        job->exit_code = WEXITSTATUS(status);
        job->finished = 1;
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGXCPU || (sig == SIGKILL && lim->cpu_seconds > 0))
            snprintf(job->failure, sizeof job->failure, "exceeded the CPU limit (%d s): the hive may be crafted to hang readers, or a policy to run without end",
                     lim->cpu_seconds);
        else
            snprintf(job->failure, sizeof job->failure, "the reader crashed (signal %d, %s): the hive is malformed",
                     sig, strsignal(sig));
        job->exit_code = HH_EXIT_INPUT;
    } else {
        snprintf(job->failure, sizeof job->failure, "ended abnormally");
        job->exit_code = HH_EXIT_INPUT;
    }
    if (job->finished) {
        job->output = r->buf;
        job->output_len = r->len;
        job->output_mapped = r->cap;
    } else {
        output_buffer_put(r->buf, r->cap);
    }
    r->buf = NULL;
    close(r->fd);
    r->fd = -1;
}

static int drain(running *r)
{
    for (;;) {
        if (!output_buffer_room(r, 65536)) {
            r->unread_errno = ENOMEM;
            return -1;
        }
        ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (n > 0) {
            r->len += (size_t)n;
            continue;
        }
        if (n == 0)
            return 0; /* EOF */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 1;
        r->unread_errno = errno;
        return -1;
    }
}

/* Tells `done` of the jobs that ended, in the order they ended. */
static void tell_ended(hh_job **ended, size_t *nended, void (*done)(hh_job *job, void *ud), void *ud)
{
    for (size_t e = 0; e < *nended && done; e++)
        done(ended[e], ud);
    *nended = 0;
}

static void run_inline(hh_job *job)
{
    hh_heap_claim();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) {
        snprintf(job->failure, sizeof job->failure, "cannot buffer output");
        job->exit_code = HH_EXIT_INPUT;
        return;
    }
    job->pid = (long)getpid();
    job->exit_code = job->fn(job->ctx, out);
    fclose(out);
    job->finished = 1;
    job->output = buf;
    job->output_len = len;
}

void hh_jobs_run(hh_job *jobs, size_t n, int parallel, const hh_isolate_limits *lim, int isolate,
                 void (*done)(hh_job *job, void *ud), void *ud)
{
    if (parallel < 1)
        parallel = 1;
    if (!isolate) {
        for (size_t i = 0; i < n; i++) {
            run_inline(&jobs[i]);
            if (done)
                done(&jobs[i], ud);
        }
        return;
    }
    running *slots = calloc((size_t)parallel, sizeof *slots);
    struct pollfd *pfds = calloc((size_t)parallel, sizeof *pfds);
    /* Jobs that ended, told to `done` once their slots run again: what the
     * caller does with an ended job (committing a host's reports) overlaps
     * the next child instead of keeping its core idle. */
    hh_job **ended = calloc((size_t)parallel, sizeof *ended);
    size_t nended = 0;
    if (!slots || !pfds || !ended) {
        free(slots);
        free(pfds);
        free(ended);
        for (size_t i = 0; i < n; i++) {
            snprintf(jobs[i].failure, sizeof jobs[i].failure, "out of memory");
            jobs[i].exit_code = HH_EXIT_INPUT;
        }
        return;
    }
    size_t next = 0, active = 0;
    for (;;) {
        for (int s = 0; s < parallel && next < n; s++) {
            if (slots[s].job)
                continue;
            memset(&slots[s], 0, sizeof slots[s]);
            slots[s].job = &jobs[next++];
            if (start_child(&slots[s], lim) != 0) {
                slots[s].job->exit_code = HH_EXIT_INPUT;
                if (done)
                    done(slots[s].job, ud);
                slots[s].job = NULL;
                continue;
            }
            active++;
        }
        tell_ended(ended, &nended, done, ud);
        if (active == 0 && next >= n)
            break;
        int npfd = 0;
        double soonest = 0;
        int map[64];
        for (int s = 0; s < parallel && npfd < 64; s++) {
            if (!slots[s].job)
                continue;
            pfds[npfd].fd = slots[s].fd;
            pfds[npfd].events = POLLIN;
            map[npfd++] = s;
            if (slots[s].deadline && (soonest == 0 || slots[s].deadline < soonest))
                soonest = slots[s].deadline;
        }
        int timeout = -1;
        if (soonest) {
            double left = soonest - now_seconds();
            timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
        }
        int rc = poll(pfds, (nfds_t)npfd, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        double t = now_seconds();
        for (int i = 0; i < npfd; i++) {
            running *r = &slots[map[i]];
            int eof = 0;
            if (rc > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                int d = drain(r);
                if (d < 0) {
                    /* The child may be blocked writing to the full pipe:
                     * waiting for it without reading would never end. */
                    kill(r->pid, SIGKILL);
                    r->unread = 1;
                }
                eof = d <= 0;
            }
            if (!eof && r->deadline && t >= r->deadline) {
                kill(r->pid, SIGKILL);
                r->killed_for_time = 1;
                eof = 1;
            }
            if (eof) {
                finish_child(r, lim);
                ended[nended++] = r->job;
                r->job = NULL;
                active--;
            }
        }
    }
    tell_ended(ended, &nended, done, ud); /* (left by a failed poll) */
    free(slots);
    free(pfds);
    free(ended);
}

void hh_job_release(hh_job *job)
{
    if (job->output_mapped)
        output_buffer_put(job->output, job->output_mapped);
    else
        free(job->output);
    job->output_mapped = 0;
    job->output = NULL;
    job->output_len = 0;
}
