/* Layer: lua. May call: plugins.h, hive (kind names), base. */
/* Plugin selection: every plugin whose hive kinds were given, in a stable
 * order that puts a plugin after the plugins whose rows its policy reads. */
#include "plugin_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"

#define MEMBER_END(type, m) (offsetof(type, m) + sizeof(((type *)0)->m))

void hh_plugin_kinds(const hh_plugin *d, uint32_t *required, uint32_t *optional, int *legacy)
{
    *required = *optional = 0;
    if (d->struct_size >= MEMBER_END(hh_plugin, hives_optional)) {
        *required = d->hives_required;
        *optional = d->hives_optional & ~d->hives_required;
    }
    *legacy = *required == 0 && *optional == 0;
    if (*legacy) {
        *required = HH_HIVE_BIT(HH_HIVE_SYSTEM);
        *optional = HH_HIVE_BIT(HH_HIVE_SOFTWARE);
    }
}

static const char *const *reads_rows_of(const hh_plugin *d)
{
    if (d->struct_size < MEMBER_END(hh_plugin, reads_rows_of))
        return NULL;
    return d->reads_rows_of;
}

void hh_kind_mask_text(uint32_t mask, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (int k = HH_HIVE_SYSTEM; k <= HH_HIVE_SECURITY; k++) {
        if (!(mask & HH_HIVE_BIT(k)))
            continue;
        int w = snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", hh_hive_kind_name(k));
        if (w < 0 || (size_t)w >= outlen - o)
            break;
        o += (size_t)w;
    }
    if (!o)
        snprintf(out, outlen, "none");
}

static int by_name(const void *a, const void *b)
{
    const hh_loaded_plugin *x = *(const hh_loaded_plugin *const *)a, *y = *(const hh_loaded_plugin *const *)b;
    return strcmp(x->desc->name, y->desc->name);
}

static void skip(hh_plugin_plan *plan, const char *name, const char *why, uint32_t mask)
{
    if (plan->nskipped >= HH_PLAN_MAX)
        return;
    char kinds[120];
    hh_kind_mask_text(mask, kinds, sizeof kinds);
    snprintf(plan->skipped[plan->nskipped++], sizeof plan->skipped[0], "%s skipped: %s %s", name, why, kinds);
}

/* Index in items[0..n) of the plugin named name, or -1. */
static int find_item(const hh_plan_item *items, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].plugin->desc->name, name) == 0)
            return (int)i;
    return -1;
}

int hh_plugin_plan_make(const hh_plugin_set *set, uint32_t present, const char *const *names, size_t nnames,
                        hh_plugin_plan *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    const hh_loaded_plugin *cand[HH_PLAN_MAX];
    size_t ncand = 0;
    if (nnames) {
        for (size_t i = 0; i < nnames && ncand < HH_PLAN_MAX; i++) {
            const hh_loaded_plugin *p = hh_plugins_find(set, names[i]);
            if (!p) {
                snprintf(err, errlen, "plugin '%s' not found (see 'hivehunt plugins')", names[i]);
                return -1;
            }
            cand[ncand++] = p;
        }
    } else {
        for (size_t i = 0; i < set->count && ncand < HH_PLAN_MAX; i++)
            cand[ncand++] = &set->items[i];
        qsort(cand, ncand, sizeof cand[0], by_name);
    }
    hh_plan_item picked[HH_PLAN_MAX];
    size_t npicked = 0;
    for (size_t i = 0; i < ncand; i++) {
        hh_plan_item it = {.plugin = cand[i]};
        hh_plugin_kinds(cand[i]->desc, &it.required, &it.optional, &it.legacy);
        if (find_item(picked, npicked, cand[i]->desc->name) >= 0)
            continue; /* named twice */
        if ((it.required & present) != it.required)
            skip(plan, cand[i]->desc->name, "no hive of a kind it needs:", it.required & ~present);
        else if (!it.required && !(it.optional & present))
            skip(plan, cand[i]->desc->name, "reads none of the hives given; it reads", it.optional);
        else
            picked[npicked++] = it;
    }
    /* Dependency order: repeatedly take the first plugin whose row sources
     * (those that run) are already placed; a cycle keeps the remaining order. */
    int placed[HH_PLAN_MAX] = {0};
    while (plan->n < npicked) {
        size_t take = npicked;
        for (size_t i = 0; i < npicked && take == npicked; i++) {
            if (placed[i])
                continue;
            int ready = 1;
            const char *const *deps = reads_rows_of(picked[i].plugin->desc);
            for (size_t d = 0; deps && deps[d] && d < 64 && ready; d++) {
                int j = find_item(picked, npicked, deps[d]);
                if (j >= 0 && j != (int)i && !placed[j])
                    ready = 0;
            }
            if (ready)
                take = i;
        }
        if (take == npicked)
            for (take = 0; placed[take]; take++)
                ;
        placed[take] = 1;
        plan->items[plan->n++] = picked[take];
    }
    return 1;
}

uint32_t hh_plugin_plan_reads(const hh_plugin_plan *plan)
{
    uint32_t m = 0;
    for (size_t i = 0; i < plan->n; i++)
        m |= plan->items[i].required | plan->items[i].optional;
    return m;
}
