/* Pure decoders of the TaskCache blobs (Actions, DynamicInfo, Triggers): no
 * Lua, no host calls, so a C unit test can feed them hand-made bytes.
 *
 * Every read is checked against the blob's length first. A decoder answers
 * 1 (decoded), or 0 with a one-line reason in err; on 0 the output holds
 * only what was fully decoded before the fault (whole actions or triggers,
 * never a half-read one), so callers can show it next to the raw bytes.
 * Strings are spans of UTF-16LE bytes inside the blob (td_utf8 converts). */
#ifndef HH_TASK_DECODE_H
#define HH_TASK_DECODE_H

#include <stddef.h>
#include <stdint.h>

typedef struct td_span {
    size_t off, len; /* bytes of UTF-16LE in the blob; len 0: empty */
} td_span;

enum td_action_type {
    TD_ACTION_EXEC = 0x6666,
    TD_ACTION_COM = 0x7777,
    TD_ACTION_EMAIL = 0x8888,
    TD_ACTION_MESSAGE = 0x9999
};

#define TD_MAX_ACTIONS 32   /* Windows allows 32 actions per task */
#define TD_MAX_TRIGGERS 64
#define TD_MAX_LIST 4096    /* attachments, headers, value queries */

typedef struct td_action {
    unsigned type;              /* enum td_action_type */
    td_span id;
    /* exec */
    td_span command, arguments, working_directory;
    unsigned flags;             /* version 3 only */
    int has_flags;
    /* COM handler */
    uint8_t clsid[16];
    td_span data;
    /* e-mail */
    td_span from, to, cc, bcc, reply_to, server, subject, body;
    uint32_t attachments, headers;
    /* message box */
    td_span caption, content;
} td_action;

typedef struct td_actions {
    unsigned version;           /* 1..3 */
    td_span context;            /* version 3: the principal the actions run as */
    int has_context;
    td_action items[TD_MAX_ACTIONS];
    size_t count;
} td_actions;

int td_decode_actions(const uint8_t *b, size_t n, td_actions *out, char *err, size_t errlen);

typedef struct td_dynamic {
    uint32_t version;
    uint64_t created, last_run, last_success; /* FILETIME, 0: never */
    uint32_t state, last_error;
    int has_last_success;       /* the 36-byte layout */
} td_dynamic;

int td_decode_dynamic(const uint8_t *b, size_t n, td_dynamic *out, char *err, size_t errlen);

enum td_trigger_type {
    TD_TRIGGER_WNF = 0x6666,
    TD_TRIGGER_SESSION = 0x7777,
    TD_TRIGGER_REGISTRATION = 0x8888,
    TD_TRIGGER_LOGON = 0xAAAA,
    TD_TRIGGER_EVENT = 0xCCCC,
    TD_TRIGGER_TIME = 0xDDDD,
    TD_TRIGGER_IDLE = 0xEEEE,
    TD_TRIGGER_BOOT = 0xFFFF
};

typedef struct td_trigger {
    unsigned type;              /* enum td_trigger_type */
    uint64_t start, end;        /* start/end boundary FILETIME, 0: none */
    int enabled;
    uint32_t mode;              /* time trigger: 0 once, 1 daily, 2 weekly, 3/4 monthly */
    td_span id;
    td_span user;               /* logon/session trigger's user, when named */
    td_span subscription;       /* event trigger's query */
} td_trigger;

typedef struct td_triggers {
    unsigned version;           /* header version byte (0x15..0x17 seen) */
    uint64_t start, end;        /* earliest start / latest end of all triggers */
    uint32_t flags;             /* job bucket flags (0x400000 enabled, 0x800000 hidden) */
    td_span principal_id, display_name, user;
    td_trigger items[TD_MAX_TRIGGERS];
    size_t count;
} td_triggers;

#define TD_FLAG_ENABLED 0x400000u
#define TD_FLAG_HIDDEN 0x800000u

int td_decode_triggers(const uint8_t *b, size_t n, td_triggers *out, char *err, size_t errlen);

/* Names for reports: "exec", "com", "email", "message", or NULL. */
const char *td_action_name(unsigned type);
/* "boot", "logon", "time", "idle", "registration", "event", "session", "wnf", or NULL. */
const char *td_trigger_name(unsigned type);

/* UTF-16LE bytes to UTF-8 in out, which holds at least len / 2 * 3 + 1
 * bytes (trailing NULs dropped, stray surrogates as U+FFFD); NUL-terminated,
 * returns its length. */
size_t td_utf8_into(const uint8_t *p, size_t len, char *out);
/* The same into a malloc'd string; NULL only when out of memory. */
char *td_utf8(const uint8_t *p, size_t len, size_t *outlen);

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" of 16 GUID bytes; buf >= 39. */
void td_guid_string(const uint8_t g[16], char *buf);

#endif
