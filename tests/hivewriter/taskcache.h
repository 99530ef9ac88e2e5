/*
 * TaskCache entries for fixture SOFTWARE hives: one scheduled task becomes
 * its Tree\<folders>\<name> key (Id, Index, SD), its Tasks\{GUID} key
 * (registration strings and the Actions, Triggers and DynamicInfo blobs in
 * the version 1 or version 3 layout) and an entry under each trigger list
 * it names. The spec line that fills an hw_task is `@task` (spec.c).
 */
#ifndef HW_TASKCACHE_H
#define HW_TASKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define HW_TASK_MAX_ACTIONS 8
#define HW_TASK_MAX_TRIGGERS 8

enum { HW_ACT_EXEC = 0x6666, HW_ACT_COM = 0x7777, HW_ACT_EMAIL = 0x8888, HW_ACT_MESSAGE = 0x9999 };
enum { HW_LIST_BOOT = 1, HW_LIST_LOGON = 2, HW_LIST_PLAIN = 4, HW_LIST_MAINTENANCE = 8, HW_LIST_NONE = 16 };
enum { HW_TASK_BOTH = 0, HW_TASK_TREE_ONLY, HW_TASK_TASKS_ONLY };

typedef struct hw_task_action {
    unsigned type;
    hw_str a, b, c;        /* exec: command, arguments, directory; com: data; email: to, subject;
                              message: caption, text */
    uint8_t clsid[16];
} hw_task_action;

typedef struct hw_task_trigger {
    unsigned type;         /* 0xFFFF boot, 0xAAAA logon, 0xDDDD time, 0xEEEE idle, 0x8888 registration */
    uint64_t start;        /* FILETIME */
    uint32_t mode;         /* time: 0 once, 1 daily */
} hw_task_trigger;

typedef struct hw_task_blob {
    uint8_t *b;
    size_t n;
    int set;
} hw_task_blob;

typedef struct hw_task {
    hw_str path;           /* "\Folder\Name" */
    hw_str guid;           /* "{...}"; empty: derived from the path */
    hw_str author, description, uri, date, source, version, context, run_as;
    int layout;            /* 1 or 3 */
    hw_task_action actions[HW_TASK_MAX_ACTIONS];
    size_t nactions;
    hw_task_trigger triggers[HW_TASK_MAX_TRIGGERS];
    size_t ntriggers;
    uint64_t created, last_run, last_success;
    unsigned lists;        /* HW_LIST_* bits; 0 means Plain, HW_LIST_NONE none */
    int64_t index;         /* Tree Index; -1: the writer's default */
    int no_sd;             /* Tree entry without its SD value */
    int settings_hidden, disabled;
    int only;              /* HW_TASK_* */
    uint64_t tree_lw, tasks_lw; /* 0: the hive's default */
    hw_task_blob raw_actions, raw_triggers, raw_dynamic; /* replace a generated blob */
} hw_task;

/* Add the task's keys to h. 0, or -1 with a reason in err. */
int hw_task_add(hw_hive *h, const hw_task *t, char *err, size_t errlen);
void hw_task_free(hw_task *t);

#endif
