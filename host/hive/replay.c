/* Layer: hive, called by the opener. May call: image.c, marvin32.c, base. */
/* Transaction log replay for dirty hives, in memory only.
 *
 * Windows writes dirty hive data to SYSTEM.LOG1/.LOG2 (new format, "HvLE"
 * entries, Windows 8.1+) or SYSTEM.LOG (old format, a "DIRT" bitmap of
 * dirty 512-byte pages) before it writes the primary file. A primary file
 * whose sequence numbers differ, or whose base block checksum is wrong, was
 * not finished: the logs hold what it lacks. Facts about both formats come
 * from Maxim Suhanov's public "Windows registry file format specification".
 *
 * Every log byte is untrusted: entries are checked (signature, sizes,
 * both Marvin32 hashes, page bounds) before a single byte is applied, and
 * replay stops at the first entry that fails. The evidence files are never
 * written: hive->data is replaced. */
#include "raw.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regf_format.h"
#include "util.h"

#define SECTOR 512u
/* A log entry or page count beyond these is not something Windows writes. */
#define MAX_LOG_FILES 8
#define MAX_ENTRIES_PER_LOG 65536
#define MAX_PAGES_PER_ENTRY 262144
/* The image may grow to what a log entry says, but never past this. */
#define MAX_BINS_SIZE ((uint32_t)1 << 31)

enum log_format { LOG_UNUSABLE = 0, LOG_OLD, LOG_NEW };

typedef struct {
    const uint8_t *p;  /* the entry inside the log's buffer */
    uint32_t size, seq, bins, npages;
} log_entry;

typedef struct {
    char *path;
    uint8_t *data;
    size_t size;
    enum log_format format;
    uint32_t seq1, seq2, bins;
    uint64_t stamp;
    char why[160];      /* why it is unusable, or where its entries stop */
    log_entry *entries; /* new format: the contiguous run from the first entry */
    size_t nentries;
} log_file;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Serial-number order, so a sequence number that wrapped still compares. */
static int seq_after(uint32_t a, uint32_t b) { return a != b && (uint32_t)(a - b) < 0x80000000u; }

/* ---- finding and reading logs ------------------------------------------- */

static int add_log(log_file *logs, size_t *n, const char *path)
{
    if (*n >= MAX_LOG_FILES)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(logs[i].path, path) == 0)
            return 0;
    memset(&logs[*n], 0, sizeof logs[*n]);
    logs[*n].path = hh_strdup(path);
    if (!logs[*n].path)
        return -1;
    (*n)++;
    return 1;
}

/* NAME.LOG1, NAME.LOG2 and NAME.LOG beside the hive, in any letter case
 * (acquisitions from Windows volumes keep whatever case the tool used). */
static void discover_logs(const char *hive_path, log_file *logs, size_t *n)
{
    const char *base = base_name(hive_path);
    size_t dirlen = (size_t)(base - hive_path);
    char dir[4096];
    if (dirlen >= sizeof dir)
        return;
    if (dirlen == 0)
        snprintf(dir, sizeof dir, ".");
    else {
        memcpy(dir, hive_path, dirlen);
        dir[dirlen] = '\0';
    }
    static const char *const suffixes[] = {".LOG1", ".LOG2", ".LOG"};
    size_t blen = strlen(base);
    for (size_t s = 0; s < 3; s++) {
        DIR *d = opendir(dir);
        if (!d)
            return;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t elen = strlen(e->d_name);
            size_t slen = strlen(suffixes[s]);
            if (elen != blen + slen || strncasecmp(e->d_name, base, blen) != 0 ||
                strcasecmp(e->d_name + blen, suffixes[s]) != 0)
                continue;
            char path[8192];
            if (dirlen)
                snprintf(path, sizeof path, "%.*s%s", (int)dirlen, hive_path, e->d_name);
            else
                snprintf(path, sizeof path, "%s", e->d_name);
            add_log(logs, n, path);
            break;
        }
        closedir(d);
    }
}

/* ---- validating a log ------------------------------------------------------ */

/* Walks the new-format entries from the second sector, keeping the run whose
 * sequence numbers follow the first entry's without a gap. Older entries
 * left behind in the file end the run: they were applied long ago. */
static void read_new_entries(log_file *lf, uint32_t sector)
{
    size_t off = sector;
    size_t cap = 0;
    while (lf->nentries < MAX_ENTRIES_PER_LOG) {
        if (off > lf->size || lf->size - off < 40)
            break;
        const uint8_t *p = lf->data + off;
        if (memcmp(p, "HvLE", 4) != 0) {
            if (lf->nentries == 0)
                snprintf(lf->why, sizeof lf->why, "no log entry at offset %zu", off);
            break;
        }
        uint32_t size = hh_le32(p + 4), seq = hh_le32(p + 12), bins = hh_le32(p + 16), npages = hh_le32(p + 20);
        const char *bad = NULL;
        if (size < 40 || size % SECTOR != 0 || size > lf->size - off)
            bad = "bad size";
        else if (bins == 0 || bins % HH_HBIN_ALIGN != 0 || bins > MAX_BINS_SIZE)
            bad = "bad hive bins size";
        else if (npages > MAX_PAGES_PER_ENTRY || npages > (size - 40) / 8)
            bad = "bad dirty page count";
        else if (hh_marvin32(HH_LOG_MARVIN_SEED, p, 32) != hh_le64(p + 32))
            bad = "header hash (hash-2) mismatch";
        else if (hh_marvin32(HH_LOG_MARVIN_SEED, p + 40, size - 40) != hh_le64(p + 24))
            bad = "data hash (hash-1) mismatch";
        else if (lf->nentries > 0 && seq != lf->entries[lf->nentries - 1].seq + 1)
            break; /* a stale entry from an earlier round: the run ends here */
        if (!bad) {
            /* The pages follow the references back to back and must land
             * inside the hive bins the entry describes. */
            uint64_t total = 40 + (uint64_t)npages * 8;
            for (uint32_t i = 0; i < npages && !bad; i++) {
                uint32_t poff = hh_le32(p + 40 + 8 * i), psize = hh_le32(p + 44 + 8 * i);
                if (psize == 0 || psize % SECTOR != 0 || poff % SECTOR != 0 || (uint64_t)poff + psize > bins)
                    bad = "dirty page outside the hive bins";
                total += psize;
            }
            if (!bad && total > size)
                bad = "dirty pages overrun the entry";
        }
        if (bad) {
            snprintf(lf->why, sizeof lf->why, "entry at offset %zu (sequence %u): %s", off, seq, bad);
            break;
        }
        if (lf->nentries == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            log_entry *g = realloc(lf->entries, ncap * sizeof *g);
            if (!g)
                break;
            lf->entries = g;
            cap = ncap;
        }
        lf->entries[lf->nentries++] = (log_entry){p, size, seq, bins, npages};
        off += size;
    }
}

static void examine_log(log_file *lf)
{
    char err[HH_ERRLEN];
    if (hh_read_whole_file(lf->path, &lf->data, &lf->size, err, sizeof err) != 1) {
        snprintf(lf->why, sizeof lf->why, "%.150s", err);
        return;
    }
    const uint8_t *b = lf->data;
    if (lf->size < 2 * SECTOR || memcmp(b, "regf", 4) != 0) {
        snprintf(lf->why, sizeof lf->why, "not a transaction log (no regf base block)");
        return;
    }
    if (hh_le32(b + 508) != hh_base_block_checksum(b)) {
        snprintf(lf->why, sizeof lf->why, "log base block checksum mismatch");
        return;
    }
    lf->seq1 = hh_le32(b + 4);
    lf->seq2 = hh_le32(b + 8);
    lf->stamp = hh_le64(b + 12);
    lf->bins = hh_le32(b + 40);
    uint32_t type = hh_le32(b + 28);
    uint32_t cluster = hh_le32(b + 44);
    uint32_t sector = (cluster >= 1 && cluster <= 8) ? cluster * SECTOR : SECTOR;
    if (lf->seq1 != lf->seq2) {
        snprintf(lf->why, sizeof lf->why, "log was itself being written (sequence numbers %u/%u)", lf->seq1, lf->seq2);
        return;
    }
    if (type == 6) {
        lf->format = LOG_NEW;
        read_new_entries(lf, sector);
        if (lf->nentries == 0 && sector != SECTOR)
            read_new_entries(lf, SECTOR);
        if (lf->nentries == 0) {
            if (!lf->why[0])
                snprintf(lf->why, sizeof lf->why, "no valid log entries");
            lf->format = LOG_UNUSABLE;
        }
    } else if (type == 1 || type == 2) {
        lf->format = LOG_OLD;
    } else {
        snprintf(lf->why, sizeof lf->why, "not a transaction log (file type %u)", type);
    }
}

/* ---- applying -------------------------------------------------------------- */

/* Grows the in-memory image so the hive bins hold bins bytes. */
static int ensure_image(hh_hive *hive, uint32_t bins, char *err, size_t errlen)
{
    return hh_hive_grow_image(hive, (size_t)HH_BASE_BLOCK_SIZE + bins, err, errlen);
}

static int apply_entry(hh_hive *hive, const log_entry *e, char *err, size_t errlen)
{
    if (ensure_image(hive, e->bins, err, errlen) != 1)
        return -1;
    const uint8_t *page = e->p + 40 + (size_t)e->npages * 8;
    for (uint32_t i = 0; i < e->npages; i++) {
        uint32_t poff = hh_le32(e->p + 40 + 8 * i), psize = hh_le32(e->p + 44 + 8 * i);
        /* Checked against the entry when it was read; checked again here
         * against the image because that is the buffer written. */
        if ((size_t)HH_BASE_BLOCK_SIZE + poff + psize > hive->size) {
            snprintf(err, errlen, "log page outside the hive image");
            return -1;
        }
        memcpy(hive->data + HH_BASE_BLOCK_SIZE + poff, page, psize);
        page += psize;
    }
    return 1;
}

static void finish_base_block(hh_hive *hive, uint32_t seq, uint32_t bins)
{
    uint8_t *b = hive->data;
    hh_put_le32(b + 4, seq);
    hh_put_le32(b + 8, seq);
    hh_put_le32(b + 28, 0); /* a primary file again, when recovered from a log */
    hh_put_le32(b + 40, bins);
    hh_put_le32(b + 508, hh_base_block_checksum(b));
}

/* Replaces a damaged primary base block with the log's copy (only its first
 * sector is in the log; the rest of the block is reserved space). */
static void restore_base_block(hh_hive *hive, const log_file *lf)
{
    memcpy(hive->data, lf->data, SECTOR);
    memset(hive->data + SECTOR, 0, HH_BASE_BLOCK_SIZE - SECTOR);
}

/* New format: entries from every log, in sequence order, each sequence
 * number taken once from the newest log that holds it, from the primary's
 * secondary sequence number on, until the first gap. */
static int replay_new(hh_hive *hive, log_file *logs, size_t nlogs, int *applied, char *note, size_t notelen,
                      char *err, size_t errlen)
{
    uint32_t expected = hive->info.seq_secondary;
    const log_file *first = NULL; /* the log whose run starts earliest */
    for (size_t i = 0; i < nlogs; i++)
        if (logs[i].format == LOG_NEW && (!first || seq_after(first->entries[0].seq, logs[i].entries[0].seq)))
            first = &logs[i];
    if (!first)
        return 0;
    if (hive->base_block_bad) {
        /* The primary's own numbers cannot be trusted: the earliest log's
         * base block replaces it, and replay starts at its first entry. */
        restore_base_block(hive, first);
        expected = first->entries[0].seq;
    }
    int have_expected = 0;
    uint32_t earliest_after = 0;
    int have_after = 0;
    for (size_t i = 0; i < nlogs; i++) {
        if (logs[i].format != LOG_NEW)
            continue;
        for (size_t j = 0; j < logs[i].nentries; j++) {
            uint32_t s = logs[i].entries[j].seq;
            if (s == expected)
                have_expected = 1;
            else if (seq_after(s, expected) && (!have_after || seq_after(earliest_after, s))) {
                earliest_after = s;
                have_after = 1;
            }
        }
    }
    uint32_t cur;
    if (have_expected)
        cur = expected;
    else if (have_after) {
        /* Windows 10 does not always bump the primary's numbers when it
         * writes a log; logs whose entries all come after the primary's
         * state are still its future, and are applied from their start. */
        cur = earliest_after;
        snprintf(note, notelen, "; the primary expects sequence %u, the logs start at %u", expected, cur);
    } else {
        snprintf(note, notelen, "; no log entry at or after sequence %u (logs are older than the primary)", expected);
        return 0;
    }
    uint32_t bins = hh_le32(hive->data + 40), last = cur;
    /* The image cannot legitimately grow by more than the logs carry. */
    size_t growth_limit = hive->size;
    for (size_t i = 0; i < nlogs; i++)
        growth_limit += logs[i].size;
    for (;;) {
        const log_entry *pick = NULL;
        const log_file *from = NULL;
        for (size_t i = 0; i < nlogs; i++) {
            if (logs[i].format != LOG_NEW)
                continue;
            for (size_t j = 0; j < logs[i].nentries; j++)
                if (logs[i].entries[j].seq == cur && (!from || seq_after(logs[i].seq1, from->seq1))) {
                    pick = &logs[i].entries[j];
                    from = &logs[i];
                }
        }
        if (!pick)
            break;
        if ((size_t)HH_BASE_BLOCK_SIZE + pick->bins > growth_limit) {
            snprintf(note, notelen, "; entry %u claims %u bytes of hive bins, more than the logs could fill: "
                     "replay stopped before it", cur, pick->bins);
            break;
        }
        if (apply_entry(hive, pick, err, errlen) != 1)
            return -1;
        bins = pick->bins;
        last = cur;
        (*applied)++;
        cur++;
    }
    if (*applied == 0)
        return 0;
    finish_base_block(hive, last, bins);
    return 1;
}

/* Old format: one whole log, the one written for this state of the primary
 * (same last-written timestamp), its dirty pages laid over the image. */
static int replay_old(hh_hive *hive, log_file *logs, size_t nlogs, int *applied, char *note, size_t notelen,
                      char *err, size_t errlen)
{
    uint64_t stamp = hive->info.last_written, bin_stamp = stamp;
    if (hive->base_block_bad && hive->size >= HH_BASE_BLOCK_SIZE + 28 && memcmp(hive->data + HH_BASE_BLOCK_SIZE, "hbin", 4) == 0)
        bin_stamp = hh_le64(hive->data + HH_BASE_BLOCK_SIZE + 20); /* the first bin keeps a copy */
    log_file *lf = NULL;
    for (size_t i = 0; i < nlogs; i++) {
        if (logs[i].format != LOG_OLD)
            continue;
        /* A damaged base block may still hold its timestamp: a log matching
         * either that or the first bin's copy was written for this state. */
        if (logs[i].stamp != stamp && logs[i].stamp != bin_stamp) {
            snprintf(logs[i].why, sizeof logs[i].why, "written for another state of the hive (timestamp differs)");
            continue;
        }
        if (!lf || seq_after(logs[i].seq1, lf->seq1))
            lf = &logs[i];
    }
    if (!lf)
        return 0;
    uint32_t bins = lf->bins;
    if (bins == 0 || bins % HH_HBIN_ALIGN != 0 || bins > MAX_BINS_SIZE) {
        snprintf(lf->why, sizeof lf->why, "bad hive bins size %u in the log", bins);
        return 0;
    }
    uint32_t cluster = hh_le32(lf->data + 44);
    uint32_t sector = (cluster >= 1 && cluster <= 8) ? cluster * SECTOR : SECTOR;
    size_t dv = sector;
    if (lf->size < dv + 4 || memcmp(lf->data + dv, "DIRT", 4) != 0) {
        dv = SECTOR;
        sector = SECTOR;
        if (lf->size < dv + 4 || memcmp(lf->data + dv, "DIRT", 4) != 0) {
            snprintf(lf->why, sizeof lf->why, "no dirty vector (DIRT) in the log");
            return 0;
        }
    }
    size_t bitmap_len = bins / HH_HBIN_ALIGN; /* one bit per 512-byte page */
    const uint8_t *bitmap = lf->data + dv + 4;
    if (lf->size - dv - 4 < bitmap_len) {
        snprintf(lf->why, sizeof lf->why, "dirty vector is truncated");
        return 0;
    }
    size_t pages = dv + 4 + bitmap_len;
    pages = (pages + sector - 1) / sector * sector;
    /* Count first: every dirty page must be present before any is applied. */
    size_t ndirty = 0;
    for (size_t i = 0; i < bitmap_len; i++)
        ndirty += (size_t)__builtin_popcount(bitmap[i]);
    if (pages > lf->size || (lf->size - pages) / SECTOR < ndirty) {
        snprintf(lf->why, sizeof lf->why, "log holds fewer dirty pages than its dirty vector marks");
        return 0;
    }
    /* A dirty page that starts a hive bin must be a bin header naming its
     * own offset, and a bin the primary starts there must stay a bin: a log
     * that breaks the bin chain is not applied at all. */
    size_t k = 0;
    for (size_t bit = 0; bit < bitmap_len * 8; bit++) {
        if (!(bitmap[bit / 8] & (1u << (bit % 8))))
            continue;
        size_t at = bit * SECTOR;
        const uint8_t *page = lf->data + pages + k++ * SECTOR;
        if (at % HH_HBIN_ALIGN != 0)
            continue;
        int log_bin = memcmp(page, "hbin", 4) == 0;
        int primary_bin = HH_BASE_BLOCK_SIZE + at + 4 <= hive->size &&
                          memcmp(hive->data + HH_BASE_BLOCK_SIZE + at, "hbin", 4) == 0;
        uint32_t bsize = log_bin ? hh_le32(page + 8) : 0;
        if ((log_bin && (hh_le32(page + 4) != at || bsize < HH_HBIN_ALIGN || bsize % HH_HBIN_ALIGN != 0)) ||
            (primary_bin && !log_bin)) {
            snprintf(lf->why, sizeof lf->why, "dirty page at hive bins offset 0x%zx breaks the bin chain", at);
            return 0;
        }
    }
    if (hive->base_block_bad)
        restore_base_block(hive, lf);
    if (ensure_image(hive, bins, err, errlen) != 1)
        return -1;
    k = 0;
    for (size_t bit = 0; bit < bitmap_len * 8; bit++) {
        if (!(bitmap[bit / 8] & (1u << (bit % 8))))
            continue;
        memcpy(hive->data + HH_BASE_BLOCK_SIZE + bit * SECTOR, lf->data + pages + k * SECTOR, SECTOR);
        k++;
    }
    snprintf(note, notelen, " (%zu dirty pages)", ndirty);
    finish_base_block(hive, lf->seq1, bins);
    *applied = 1;
    return 1;
}

int hh_replay_logs(hh_hive *hive, char *err, size_t errlen)
{
    hh_hive_info *in = &hive->info;
    if (!in->dirty && !hive->base_block_bad)
        return 0;
    log_file logs[MAX_LOG_FILES];
    size_t nlogs = 0;
    if (hive->opts.logs && hive->opts.nlogs > 0) {
        for (size_t i = 0; i < hive->opts.nlogs; i++)
            add_log(logs, &nlogs, hive->opts.logs[i]);
    } else {
        discover_logs(hive->path, logs, &nlogs);
    }
    if (nlogs == 0) {
        char why[96];
        if (in->dirty)
            snprintf(why, sizeof why, "sequence numbers %u/%u", in->seq_primary, in->seq_secondary);
        else
            snprintf(why, sizeof why, "its base block checksum is wrong");
        hh_hive_warn(hive, "hive is dirty (%s) and no transaction logs were found beside it: recent writes may be "
                     "missing", why);
        return 0;
    }
    for (size_t i = 0; i < nlogs; i++)
        examine_log(&logs[i]);

    int applied = 0, rc = 0;
    char note[200] = "";
    int have_new = 0;
    for (size_t i = 0; i < nlogs; i++)
        if (logs[i].format == LOG_NEW)
            have_new = 1;
    rc = have_new ? replay_new(hive, logs, nlogs, &applied, note, sizeof note, err, errlen)
                  : replay_old(hive, logs, nlogs, &applied, note, sizeof note, err, errlen);

    /* One line naming every log and what became of it. */
    char names[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < nlogs && used < sizeof names; i++) {
        int n = snprintf(names + used, sizeof names - used, "%s%s%s%s%s", i ? ", " : "", base_name(logs[i].path),
                         logs[i].format == LOG_NEW ? " (new format)" : logs[i].format == LOG_OLD ? " (old format)" : "",
                         logs[i].why[0] ? ": " : "", logs[i].why);
        if (n > 0)
            used += (size_t)n;
    }
    if (rc == 1 && applied > 0) {
        in->replayed = 1;
        in->log_entries_applied = applied;
        hh_hive_warn(hive, "hive was dirty (sequence numbers %u/%u): replayed %d log %s from %s%s", in->seq_primary,
                     in->seq_secondary, applied, have_new ? (applied == 1 ? "entry" : "entries") : "file", names, note);
        rc = 1;
    } else if (rc >= 0) {
        hh_hive_warn(hive, "hive is dirty (sequence numbers %u/%u) but no transaction log could be applied (%s)%s: "
                     "recent writes may be missing", in->seq_primary, in->seq_secondary, names, note);
        rc = 0;
    }
    for (size_t i = 0; i < nlogs; i++) {
        free(logs[i].path);
        free(logs[i].data);
        free(logs[i].entries);
    }
    return rc;
}
