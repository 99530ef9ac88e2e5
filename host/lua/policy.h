/* Layer: lua. May call: hive, base, Lua. */
/* Policies: load (sandboxed), validate against the policy contract, run,
 * validate and order the findings. */
#ifndef HH_POLICY_H
#define HH_POLICY_H

#include <stddef.h>

#include "sandbox.h"

typedef struct hh_policy {
    int ref;            /* registry ref to the policy table */
    char *source;       /* file it came from (for messages) */
    char *name;
} hh_policy;

/* Loads a policy file (path) or, with path NULL, the shipped policy of the
 * plugin (module `plugin_name` on the search path). 1, or -1 with err. */
int hh_policy_load(hh_sandbox *sb, const char *path, const char *plugin_name, hh_policy *out,
                   char *err, size_t errlen);
void hh_policy_release(hh_sandbox *sb, hh_policy *p);

/* A policy and the local layers over it: layers[0] is the shipped policy,
 * each later layer a file loaded while require(<plugin>) returns the layer
 * before it, so `require "services"` then `.extend{...}` builds on
 * everything below; a file that returns its own table replaces it. The last
 * layer is the effective policy. */
#define HH_MAX_POLICY_LAYERS 20
typedef struct hh_policy_chain {
    hh_policy layers[HH_MAX_POLICY_LAYERS];
    size_t n;
} hh_policy_chain;

int hh_policy_chain_load(hh_sandbox *sb, const char *plugin_name, const char *const *files, size_t nfiles,
                         hh_policy_chain *chain, char *err, size_t errlen);
void hh_policy_chain_release(hh_sandbox *sb, hh_policy_chain *chain);

/* Runs init(args) then evaluate(input, ctx) with the input table at
 * input_idx and the args table at args_idx. Pushes the validated findings
 * array. 1, or -1 with err ("file:line: message"). */
int hh_policy_evaluate(hh_sandbox *sb, hh_policy *p, int input_idx, int args_idx, char *err, size_t errlen);

/* Appends every element of the array at src to the array at dst. */
void hh_lua_array_append(lua_State *L, int dst, int src);

/* Sorts the findings array at idx in place: score desc, last_write desc,
 * service, control set, rule. Deterministic for equal records too. */
void hh_findings_sort(lua_State *L, int idx);

/* Severity rank: info 0 .. critical 4, -1 unknown. */
int hh_severity_rank(const char *s);

#endif
